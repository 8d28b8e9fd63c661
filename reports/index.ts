/** reports/: the results contract, its renderers, the regression gate and exporters. */
export { parseResults, SCHEMA_VERSION, type Results, type ScenarioResult, type VariantResult, type QueryResult, type SizeEntry } from './schema.ts';
export { loadResults, loadHistory, parseJsonFile, type LoadedHistory } from './load.ts';
export { extractMetrics, queryKey, classifyNamedMetric, METRIC_KINDS, type Metric, type MetricKind, type Direction } from './metrics.ts';
export { compareResults, effectiveThreshold, VERDICTS, type Comparison, type MetricComparison, type Verdict, type Method, type CompareOptions } from './compare.ts';
export { renderComparisonMarkdown, comparisonHeadline, type ComparisonTableOptions } from './compare-table.ts';
export { checkComparable, assertComparable, postgresVersion, type Comparability } from './fingerprint.ts';
export { DEFAULT_GATE_CONFIG, applyThresholdFlag, applyConfigFile, thresholdFor, GateConfigFile, type GateConfig, type Threshold } from './thresholds.ts';
export { buildTrends, detectChanges, sortHistory, sameRun, type Trend, type TrendChange, type TrendPoint, type TrendOptions } from './history.ts';
export { mannWhitneyU, bootstrapMedianRatio, holmAdjust, pettitt, median, quantile, robustSigma, quantileSorted, type MannWhitneyResult, type RatioInterval } from './stats.ts';
export { renderMarkdown, environmentLines, type MarkdownOptions } from './markdown.ts';
export { renderHtml, type HtmlOptions } from './html.ts';
export { toGithubActionBenchmark, toBencherBmf, type GithubBenchmarkEntry, type GithubBenchmarkTool, type Bmf, type BmfMetric } from './exporters.ts';
