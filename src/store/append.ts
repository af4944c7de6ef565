import type {
  DuckDBAppender,
  DuckDBConnection,
  DuckDBDataChunkWriter,
  JSToDuckDBValueConverter,
} from '@duckdb/node-api';
import { COLUMNS, type Cell, type Column } from '../report/export/columns.js';

// Export rows into a DuckDB table through its appender, in data chunks (DuckDB's own batching):
// a few microseconds a row, where an INSERT per row would take tens.

/** Where the columns have a TIMESTAMP: its ISO text goes in as a Date. */
const timestampsOf = (columns: readonly Pick<Column, 'type'>[]) =>
  columns.flatMap((c, i) => (c.type === 'TIMESTAMP' ? [i] : []));

export type JsValue = Parameters<typeof JSToDuckDBValueConverter>[0];

export class RowAppender {
  private constructor(
    private readonly appender: DuckDBAppender,
    private readonly writer: DuckDBDataChunkWriter<JsValue>,
    private readonly timestamps: number[],
  ) {}

  /** An appender to `table`, whose rows of cells are in `columns`' order (COLUMNS: the results table's). */
  static async open(
    c: DuckDBConnection,
    table: string,
    columns: readonly Pick<Column, 'type'>[] = COLUMNS,
  ): Promise<RowAppender> {
    const { DuckDBDataChunkWriter, JSToDuckDBValueConverter } = await import('@duckdb/node-api');
    const appender = await c.createAppender(table);
    return new RowAppender(
      appender,
      DuckDBDataChunkWriter.forAppender(appender, { converter: JSToDuckDBValueConverter }),
      timestampsOf(columns),
    );
  }

  /** A row of the table's own columns, in order (a Date for a TIMESTAMP). */
  appendRow(values: JsValue[]): void {
    this.writer.appendRow(values);
  }

  /** Rows of cells in the columns' order (export rows into a table made by RESULTS_DDL). */
  append(rows: Cell[][]): void {
    for (const row of rows) this.appendCells(row);
  }

  /** One row of cells. */
  appendCells(row: Cell[]): void {
    const values: JsValue[] = row.slice();
    for (const i of this.timestamps) if (typeof row[i] === 'string') values[i] = new Date(row[i] as string);
    this.writer.appendRow(values);
  }

  /** Writes what is buffered and ends the appender (within the connection's transaction, if any). */
  close(): void {
    this.writer.flush();
    this.appender.closeSync();
  }
}
