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
  /**
   * Columns of long text (paths, places, command lines) that wrap, where
   * needed at any character; every other column (numbers, names, flags) is
   * kept on one line and the wrapping columns take the width that is left.
   */
  wrap?: number[];
  /** Columns of literal names (targets, paths, command lines) that Markdown writes as code spans. */
  code?: number[];
  /** Rows omitted from the document (shown as a note). */
  omitted?: number;
}

/** A titled group of facts with the warnings that go with them (an image's limits). */
export interface Section {
  title: string;
  facts: [string, string][];
  /** Sentences a reader should act on; an empty list is said as "none". */
  warnings: string[];
}

export interface Doc {
  title: string;
  facts: [string, string][];
  /** Shown after the facts, before the charts. */
  sections?: Section[];
  charts: Chart[];
  /** The first is the main one, the table that a CSV export holds. */
  tables: Table[];
  /** What a CSV export holds instead of tables[0]: the main table with columns a one-table format cannot carry elsewhere. */
  csv?: Table;
}
