// kmipkit inventory as a library: read every object on KMIP servers, flag what needs attention, render a report.
export { collectServer, describeFailure, type InventoryTarget, type CollectOptions, type InventoryClient } from './collect.js';
export { applyFindings, KEY_TYPES, type FindingOptions } from './findings.js';
export * from './model.js';
export { render, renderCsv, renderHtml, renderJson, renderTable, csvField, htmlEscape, terminalSafe, CSV_COLUMNS, FORMATS, type ReportFormat } from './render.js';
export { runInventory, DEFAULT_EXPIRING_DAYS, DEFAULT_MAX_AGE_DAYS, type InventoryOptions } from './run.js';
