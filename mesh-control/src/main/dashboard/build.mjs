// Builds the dashboard into the directory given as the first argument (Maven passes
// target/classes/dashboard): copies the page and its ES modules, vendors the npm libraries
// under versioned names (so the server may let browsers cache them for good), rewrites the
// bare import specifiers to those names, and writes assets.txt, the list the server serves from.
import { readFileSync, writeFileSync, mkdirSync, rmSync, readdirSync, statSync, copyFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(process.argv[2] ?? join(here, 'dist'));
const modules = join(here, 'node_modules');

function fail(message) {
  console.error(`dashboard build: ${message}`);
  process.exit(1);
}

function version(pkg) {
  try {
    return JSON.parse(readFileSync(join(modules, pkg, 'package.json'), 'utf8')).version;
  } catch {
    fail(`${pkg} is not installed in ${modules}: run \`npm ci\` in ${here}`);
  }
}

// Each library as one ES module; uPlot ships its minified build only as an IIFE that assigns
// `var uPlot`, which becomes an ES module by exporting that binding.
const vendored = [
  { specifier: 'd3-dispatch', pkg: 'd3-dispatch', file: 'dist/d3-dispatch.min.mjs' },
  { specifier: 'd3-quadtree', pkg: 'd3-quadtree', file: 'dist/d3-quadtree.min.mjs' },
  { specifier: 'd3-timer', pkg: 'd3-timer', file: 'dist/d3-timer.min.mjs' },
  { specifier: 'd3-force', pkg: 'd3-force', file: 'dist/d3-force.min.mjs' },
  { specifier: 'uplot', pkg: 'uplot', file: 'dist/uPlot.iife.min.js', append: '\nexport default uPlot;\n' },
];
const stylesheets = [{ pkg: 'uplot', file: 'dist/uPlot.min.css', name: 'uplot' }];

const names = new Map(vendored.map(v => [v.specifier, `${v.pkg}-${version(v.pkg)}.mjs`]));

/** Replaces `from "d3-force"` / `import "x"` specifiers by the vendored file's path relative to `from`. */
function link(source, fromDir) {
  return source.replace(/(\bfrom\s*|\bimport\s*)(["'])([^"']+)\2/g, (whole, keyword, quote, spec) => {
    const name = names.get(spec);
    if (!name) {
      if (!spec.startsWith('.')) fail(`unknown bare import "${spec}": add it to the vendored list in build.mjs`);
      return whole;
    }
    let path = relative(fromDir, join(out, 'vendor', name));
    if (!path.startsWith('.')) path = `./${path}`;
    return `${keyword}${quote}${path}${quote}`;
  });
}

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'vendor'), { recursive: true });

for (const v of vendored) {
  const source = readFileSync(join(modules, v.pkg, v.file), 'utf8') + (v.append ?? '');
  writeFileSync(join(out, 'vendor', names.get(v.specifier)), link(source, join(out, 'vendor')));
}
const cssLinks = [];
for (const s of stylesheets) {
  const name = `${s.name}-${version(s.pkg)}.css`;
  copyFileSync(join(modules, s.pkg, s.file), join(out, 'vendor', name));
  cssLinks.push(`vendor/${name}`);
}

function copyTree(from, to) {
  for (const entry of readdirSync(from)) {
    const source = join(from, entry);
    const target = join(to, entry);
    if (statSync(source).isDirectory()) {
      mkdirSync(target, { recursive: true });
      copyTree(source, target);
    } else if (entry.endsWith('.js')) {
      writeFileSync(target, link(readFileSync(source, 'utf8'), to));
    } else if (entry === 'index.html') {
      const html = readFileSync(source, 'utf8');
      if (!html.includes('<!-- vendor-styles -->')) fail('index.html lost its <!-- vendor-styles --> marker');
      writeFileSync(target, html.replace('<!-- vendor-styles -->',
        cssLinks.map(href => `<link rel="stylesheet" href="${href}">`).join('\n  ')));
    } else {
      copyFileSync(source, target);
    }
  }
}
copyTree(join(here, 'src'), out);

const listed = [];
(function walk(dir) {
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) walk(path);
    else listed.push(relative(out, path).split('\\').join('/'));
  }
})(out);
writeFileSync(join(out, 'assets.txt'), listed.join('\n') + '\n');

const bytes = ext => listed.filter(p => p.endsWith(ext)).reduce((n, p) => n + statSync(join(out, p)).size, 0);
console.log(`dashboard build: ${listed.length} files in ${out} (${bytes('.js') + bytes('.mjs')} bytes of JS, ${bytes('.css')} bytes of CSS)`);
