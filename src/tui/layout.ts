/**
 * How the terminal's rows and columns are shared out. The view fills rows - 1 lines: a frame
 * as tall as the terminal makes Ink clear the whole screen on every update, which flickers.
 *
 *   header (2) | chart title, chart, axis | panel titles, panels | status (1+) | footer (1)
 */

/** The smallest terminal the dashboard draws in; 80x24 fits with room to spare. */
export const MIN_COLUMNS = 60;
export const MIN_ROWS = 16;

/** Sizes of the dashboard's parts, in characters. */
export interface Layout {
  readonly width: number;
  /** Lines the view fills. */
  readonly height: number;
  /** True when the terminal is below MIN_COLUMNS x MIN_ROWS: only a note is drawn. */
  readonly tooSmall: boolean;
  /** Lines of the chart itself (without its title and axis lines). */
  readonly chartHeight: number;
  /** Lines of the breakdown, accounts and history table (without their titles). */
  readonly listHeight: number;
  readonly breakdownWidth: number;
  readonly accountsWidth: number;
}

/** Header, chart title, chart axis, panel titles, footer. */
const FIXED_LINES = 6;

export function layoutFor(columns: number, rows: number, statusLines: number): Layout {
  const width = Math.max(1, columns);
  const height = Math.max(1, rows - 1);
  const tooSmall = columns < MIN_COLUMNS || rows < MIN_ROWS;
  const shared = Math.max(0, height - FIXED_LINES - Math.max(1, statusLines));
  const chartHeight = Math.min(24, Math.max(4, Math.floor(shared * 0.45)));
  const listHeight = Math.max(3, shared - chartHeight);
  const breakdownWidth = Math.min(56, Math.max(40, Math.floor(width * 0.45)));
  return {
    width,
    height,
    tooSmall,
    chartHeight,
    listHeight,
    breakdownWidth,
    accountsWidth: Math.max(1, width - breakdownWidth - 1),
  };
}
