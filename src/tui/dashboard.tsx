/**
 * The dashboard: header, net worth chart, breakdown and accounts panels, status and keys; an
 * account's history in place of the panels after enter. This file only composes: state in
 * use-dashboard-state, data in use-dashboard-data, keys in use-dashboard-input, colours in
 * theme.
 */

import { Box, Text, useApp } from "ink";
import { useCallback } from "react";
import type { DateFormat } from "../config.js";
import { formatDate } from "../core/dates.js";
import type { AccountRow } from "../db/accounts.js";
import { AccountsPanel, accountOrder } from "./accounts-panel.js";
import { BreakdownPanel, breakdownLines } from "./breakdown-panel.js";
import { ChartPanel } from "./chart-panel.js";
import { Footer, Status, statusLines } from "./footer.js";
import { Header } from "./header.js";
import { HelpOverlay } from "./help-overlay.js";
import { HistoryView } from "./history-view.js";
import { layoutFor, MIN_COLUMNS, MIN_ROWS } from "./layout.js";
import type { DashboardLoaders } from "./loaders.js";
import type { Theme } from "./theme.js";
import { useDashboardData } from "./use-dashboard-data.js";
import { useDashboardInput } from "./use-dashboard-input.js";
import { type DashboardState, useDashboardState } from "./use-dashboard-state.js";
import { useTerminalSize } from "./use-terminal-size.js";

/** The status area's most lines; a sync of many items shows its latest. */
const MAX_STATUS_LINES = 4;

const never = () => false;

export interface DashboardProps {
  readonly email: string;
  /**
   * Today in the user's time zone, read at each render: balance ages count from it, and the
   * dashboard may stay open past midnight.
   */
  readonly today: () => string;
  readonly dateFormat: DateFormat;
  readonly currency: string;
  readonly theme: Theme;
  readonly loaders: DashboardLoaders;
  /**
   * Whether an account's linked item needs the user (a login to renew, say): marked "!".
   * Item status cannot be queried yet, so nothing is marked unless this is given.
   */
  readonly needsAttention?: (row: AccountRow) => boolean;
  /** Where the view starts (tests); the defaults otherwise. */
  readonly initial?: Partial<DashboardState>;
}

export function Dashboard(props: DashboardProps) {
  const { theme, currency } = props;
  const today = props.today();
  const { exit } = useApp();
  const [state, actions] = useDashboardState(props.initial);
  const { dateFormat } = props;
  const describeDate = useCallback((iso: string) => formatDate(iso, dateFormat), [dateFormat]);
  const data = useDashboardData(
    props.loaders,
    { range: state.range, accountId: state.openAccount },
    describeDate,
  );
  const size = useTerminalSize();
  const status = statusLines(data).slice(-MAX_STATUS_LINES);
  const layout = layoutFor(size.columns, size.rows, status.length);
  const accounts = data.accounts === null ? null : accountOrder(data.accounts);
  const selected = Math.max(0, Math.min(state.selected, (accounts?.length ?? 0) - 1));
  const breakdown = breakdownLines(data.report?.breakdown ?? null);
  const history = data.history ?? [];

  useDashboardInput({
    state,
    actions,
    data,
    accountIds: accounts?.map((a) => a.id) ?? [],
    extents: {
      accounts: accounts?.length ?? 0,
      breakdownMax: Math.max(0, breakdown.length - layout.listHeight),
      historyMax: Math.max(0, history.length - layout.listHeight),
    },
    page: Math.max(1, layout.listHeight - 1),
    exit,
  });

  if (layout.tooSmall) {
    return (
      <Text>
        The dashboard needs a terminal of at least {MIN_COLUMNS}x{MIN_ROWS}; this one is{" "}
        {size.columns}x{size.rows}. q quits.
      </Text>
    );
  }
  const view = state.help ? "help" : state.openAccount !== null ? "history" : "dashboard";
  const bodyHeight = layout.height - 3 - status.length;
  return (
    <Box flexDirection="column" width={layout.width} height={layout.height}>
      <Header
        email={props.email}
        report={data.report}
        range={state.range}
        loading={data.loading}
        theme={theme}
        currency={currency}
        describeDate={describeDate}
      />
      <Box flexDirection="column" height={bodyHeight}>
        {view === "help" ? (
          <HelpOverlay width={layout.width} height={bodyHeight} theme={theme} />
        ) : view === "history" ? (
          <HistoryView
            account={accounts?.find((a) => a.id === state.openAccount)}
            rows={data.history}
            from={data.report?.from}
            range={state.range}
            today={today}
            width={layout.width}
            chartHeight={layout.chartHeight}
            listHeight={layout.listHeight}
            scroll={state.historyScroll}
            theme={theme}
            // An account's history is in its own currency (issue 13).
            currency={accounts?.find((a) => a.id === state.openAccount)?.currency || currency}
            describeDate={describeDate}
          />
        ) : (
          <>
            <ChartPanel
              report={data.report}
              mode={state.chart}
              range={state.range}
              focused={state.focus === "chart"}
              width={layout.width}
              height={layout.chartHeight}
              theme={theme}
              currency={currency}
              describeDate={describeDate}
            />
            <Box>
              <BreakdownPanel
                lines={breakdown}
                focused={state.focus === "breakdown"}
                width={layout.breakdownWidth}
                height={layout.listHeight}
                scroll={state.breakdownScroll}
                theme={theme}
                currency={currency}
              />
              <Box width={1} />
              <AccountsPanel
                accounts={accounts}
                selected={selected}
                focused={state.focus === "accounts"}
                width={layout.accountsWidth}
                height={layout.listHeight}
                theme={theme}
                currency={currency}
                today={today}
                needsAttention={props.needsAttention ?? never}
                describeDate={describeDate}
              />
            </Box>
          </>
        )}
      </Box>
      <Status lines={status} theme={theme} />
      <Footer view={view} theme={theme} />
    </Box>
  );
}
