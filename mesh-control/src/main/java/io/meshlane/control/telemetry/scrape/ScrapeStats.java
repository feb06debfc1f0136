package io.meshlane.control.telemetry.scrape;

/**
 * Scraper counters since start: scrapes attempted and failed, samples read, lines that could not be
 * parsed, metric points that were Istio metrics or not, targets down at the last attempt, and batches
 * the sink refused or failed on.
 */
public record ScrapeStats(long scrapes, long failedScrapes, long samples, long badLines, long pointsUnderstood,
                          long pointsNotUnderstood, int targetsDown, long sinkFailures) {
}
