/** A report as data: title, facts, charts and tables; each format renders this. */
export interface Chart {
  kind: 'bars' | 'lines';
  title: string;
  /** bars: one value per label. lines: one series per name over the x values (ms times). */
  labels?: string[];
  values?: number[];
  x?: number[];
  series?: { name: string; values: number[] }[];
}

export interface Table {
  title: string;
  headers: string[];
  rows: string[][];
  /** Rows omitted from the document (shown as a note). */
  omitted?: number;
}

export interface Doc {
  title: string;
  facts: [string, string][];
  charts: Chart[];
  /** The first is the main one, the table that a CSV export holds. */
  tables: Table[];
}
