export { renderHtmlReport, renderTrainingCurves, writeReport } from './html-report.js';
export { renderConfusionHeatmap } from './confusion-heatmap.js';
export type { HistoryRecord, ReportInput, WriteReportResult } from './html-report.js';
export { formatTable, formatMetricsSummary } from './text-table.js';
export type { ColumnAlign, FormatTableOptions } from './text-table.js';
export { renderDiagnosticsReport, writeDiagnosticsReport } from './diagnostics-report.js';
export type { Bar, BarChartSpec, DiagnosticsReportInput, ReportCharts, ReportTable } from './diagnostics-report.js';
export type { LineChartSpec, LineSeries } from './line-chart.js';
