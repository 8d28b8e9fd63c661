/** reports/: the results contract, its renderers, the regression gate and exporters. */
export { parseResults, SCHEMA_VERSION, type Results, type ScenarioResult, type VariantResult, type QueryResult, type SizeEntry } from './schema.ts';
export { loadResults, loadHistory, parseJsonFile, type LoadedHistory } from './load.ts';
export { extractMetrics, queryKey, metricDeclarations, undeclaredMetrics, METRIC_KINDS, type Metric, type MetricKind, type MetricDeclarations, type Direction } from './metrics.ts';
export { compareResults, effectiveThreshold, VERDICTS, type Comparison, type MetricComparison, type Verdict, type Method, type CompareOptions, type Judgement } from './compare.ts';
export { checkTrafficComparable, trafficJudgements, keptUp, offeredLoadDiffers, TRAFFIC_THRESHOLDS, RATE_AGREEMENT } from './compare-traffic.ts';
export { trafficMetrics, windowSeconds, TRAFFIC_SCENARIO, TRAFFIC_THROUGHPUT_ID, TRAFFIC_ERROR_RATE_ID } from './traffic-metrics.ts';
export { renderComparisonMarkdown, comparisonHeadline, type ComparisonTableOptions } from './compare-table.ts';
export { checkComparable, assertComparable, postgresVersion, type Comparability } from './fingerprint.ts';
export { DEFAULT_GATE_CONFIG, applyThresholdFlag, applyConfigFile, thresholdFor, GateConfigFile, type GateConfig, type Threshold } from './thresholds.ts';
export { buildTrends, detectChanges, sortHistory, sameRun, type Trend, type TrendChange, type TrendPoint, type TrendOptions } from './history.ts';
export { mannWhitneyU, bootstrapMedianRatio, bootstrapMeanDifference, holmAdjust, pettitt, median, quantile, robustSigma, quantileSorted, type MannWhitneyResult, type RatioInterval, type DifferenceInterval } from './stats.ts';
export { renderMarkdown, environmentLines, type MarkdownOptions } from './markdown.ts';
export { renderHtml, type HtmlOptions } from './html.ts';
export { trafficMarkdown } from './traffic-markdown.ts';
export { trafficSection } from './traffic-html.ts';
export { decodeHistogram, percentileSpectrum, spectrumTicks, spectrumReach, type SpectrumPoint } from './traffic-spectrum.ts';
export { toGithubActionBenchmark, toBencherBmf, type GithubBenchmarkEntry, type GithubBenchmarkTool, type Bmf, type BmfMetric } from './exporters.ts';
