// Number formats shared by every panel: durations in ms, rates per second, ratios as percent.
export function ms(value) {
  if (value === undefined || value === null || Number.isNaN(value)) return '–';
  if (value >= 10000) return `${(value / 1000).toFixed(1)} s`;
  if (value >= 100) return `${value.toFixed(0)} ms`;
  if (value >= 10) return `${value.toFixed(1)} ms`;
  return `${value.toFixed(2)} ms`;
}

export function rate(value) {
  if (value === undefined || value === null) return '–';
  if (value >= 1000) return `${(value / 1000).toFixed(1)}k/s`;
  return `${value >= 10 ? value.toFixed(0) : value.toFixed(1)}/s`;
}

export function percent(ratio) {
  if (ratio === undefined || ratio === null) return '–';
  if (ratio === 0) return '0%';
  if (ratio < 0.001) return '<0.1%';
  return `${(ratio * 100).toFixed(ratio < 0.1 ? 1 : 0)}%`;
}

export function count(value) {
  return value === undefined || value === null ? '–' : Number(value).toLocaleString('en');
}

export function bytes(value) {
  if (value === undefined || value === null) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = Number(value);
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export function byteRate(perSecond) {
  if (perSecond === undefined || perSecond === null) return '–';
  return perSecond < 1024 ? `${Number(perSecond).toFixed(0)} B/s` : `${bytes(perSecond)}/s`;
}

export function time(epochMillis) {
  return epochMillis ? new Date(epochMillis).toLocaleTimeString('en-GB') : '–';
}

/** Error ratio → a severity class used by the graph and tables. */
export function health(errorRatio) {
  if (!errorRatio) return 'ok';
  return errorRatio >= 0.05 ? 'bad' : 'warn';
}
