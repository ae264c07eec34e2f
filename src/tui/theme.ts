/**
 * Colours by role, from the user's theme preference. Components never name a colour: they
 * take a role from here, and under NO_COLOR every role is undefined and `color` is false, so
 * the view carries no escape codes at all and everything it says is in its characters.
 */

import * as ansi from "asciichart";

/** users.preferences.theme. */
export type ThemePreference = "light" | "dark" | "system";

/** Colours by role (Ink colour names), or all undefined for a plain view. */
export interface Theme {
  /** False under NO_COLOR: no colour, bold, dim or inverse anywhere. */
  readonly color: boolean;
  readonly up: string | undefined;
  readonly down: string | undefined;
  readonly accent: string | undefined;
  readonly muted: string | undefined;
  readonly warning: string | undefined;
  readonly error: string | undefined;
  readonly assets: string | undefined;
  readonly liabilities: string | undefined;
  /** ANSI colours of the chart's lines (asciichart draws them itself). */
  readonly chartLine: string | undefined;
  readonly chartAssets: string | undefined;
  readonly chartLiabilities: string | undefined;
}

const DARK: Theme = {
  color: true,
  up: "greenBright",
  down: "redBright",
  accent: "cyanBright",
  muted: "gray",
  warning: "yellow",
  error: "redBright",
  assets: "green",
  liabilities: "red",
  chartLine: ansi.lightcyan,
  chartAssets: ansi.lightgreen,
  chartLiabilities: ansi.lightred,
};

const LIGHT: Theme = {
  color: true,
  up: "green",
  down: "red",
  accent: "blue",
  muted: "gray",
  warning: "magenta",
  error: "red",
  assets: "green",
  liabilities: "red",
  chartLine: ansi.blue,
  chartAssets: ansi.green,
  chartLiabilities: ansi.red,
};

/** The plain theme: no colour codes at all. */
export const PLAIN: Theme = {
  color: false,
  up: undefined,
  down: undefined,
  accent: undefined,
  muted: undefined,
  warning: undefined,
  error: undefined,
  assets: undefined,
  liabilities: undefined,
  chartLine: undefined,
  chartAssets: undefined,
  chartLiabilities: undefined,
};

/**
 * Whether the terminal's background is light, from COLORFGBG ("15;0": light text on black),
 * which xterm, rxvt and many others set; dark when unknown, the commoner default.
 */
function systemIsLight(env: NodeJS.ProcessEnv): boolean {
  const background = Number(env.COLORFGBG?.split(";").at(-1));
  return background === 7 || background === 15;
}

/** The theme for a preference; NO_COLOR (any non-empty value) or TERM=dumb give PLAIN. */
export function resolveTheme(
  preference: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Theme {
  if ((env.NO_COLOR !== undefined && env.NO_COLOR !== "") || env.TERM === "dumb") return PLAIN;
  if (preference === "light") return LIGHT;
  if (preference === "dark") return DARK;
  return systemIsLight(env) ? LIGHT : DARK;
}
