/**
 * Which rates to ask a provider for (issue 13): for each currency that needs rates, the days
 * from its first balance (less the carry-forward window, so a Monday's balance finds Friday's
 * rate) through today that are not stored yet, before the first stored rate (an account with
 * an older history was added: back-filled) and after the last. Requests with the same range
 * are merged.
 */

import { addDays } from "./dates.js";

/** The ECB's reference rates start here: nothing is asked for before it. */
export const FIRST_RATE_DAY = "1999-01-04";

export interface RateRequest {
  readonly quotes: string[];
  readonly from: string;
  readonly to: string;
}

export function planRateRequests(
  needs: readonly { code: string; earliest: string | null }[],
  spans: ReadonlyMap<string, { first: string; last: string }>,
  today: string,
  carryDays: number,
): RateRequest[] {
  const byRange = new Map<string, RateRequest>();
  const want = (quote: string, from: string, to: string) => {
    const start = from < FIRST_RATE_DAY ? FIRST_RATE_DAY : from;
    if (start > to) return;
    const key = `${start} ${to}`;
    const request = byRange.get(key) ?? { quotes: [], from: start, to };
    request.quotes.push(quote);
    byRange.set(key, request);
  };
  for (const { code, earliest } of needs) {
    const from = addDays(earliest ?? today, -carryDays);
    const span = spans.get(code);
    if (!span) {
      want(code, from, today);
      continue;
    }
    if (from < span.first) want(code, from, addDays(span.first, -1));
    if (span.last < today) want(code, addDays(span.last, 1), today);
  }
  return [...byRange.values()].sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
}
