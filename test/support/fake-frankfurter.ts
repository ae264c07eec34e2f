import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local stand-in for Frankfurter's v2 API (src/providers/frankfurter.ts), loopback only:
 *   GET /v2/rates?base=EUR&quotes=USD,GBP&from=&to= → [{date, base, quote, rate}]
 *   GET /v2/rate/EUR/USD?date= → {date, base, quote, rate} (the latest on or before date)
 * Rates are written into the body as given (exact decimal text, as the real one's numbers).
 * Failure modes: the next n requests answer 500, 429, a body that is not JSON, or hang; an
 * unknown currency answers 404 {"message": "not found"}.
 */
export interface FakeFrankfurter {
  readonly url: string;
  /** 1 EUR = rate quote on date (business days only: leave weekends out). */
  setRate(quote: string, date: string, rate: string): void;
  failNext(n: number, mode: "500" | "429" | "garbage" | "hang"): void;
  /** The paths (with query) asked for, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

export async function startFakeFrankfurter(): Promise<FakeFrankfurter> {
  const rates = new Map<string, Map<string, string>>();
  const requests: string[] = [];
  let failures: { n: number; mode: "500" | "429" | "garbage" | "hang" } = { n: 0, mode: "500" };
  const hanging = new Set<import("node:http").ServerResponse>();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    requests.push(`${url.pathname}${url.search}`);
    if (failures.n > 0) {
      failures.n -= 1;
      if (failures.mode === "hang") {
        hanging.add(res);
        return;
      }
      if (failures.mode === "garbage") {
        res.writeHead(200, { "content-type": "application/json" }).end("<html>oops");
        return;
      }
      res.writeHead(Number(failures.mode), { "content-type": "application/json" });
      res.end(JSON.stringify({ message: "try later" }));
      return;
    }
    const json = (status: number, body: string) => {
      res.writeHead(status, { "content-type": "application/json" }).end(body);
    };
    const item = (quote: string, date: string, rate: string) =>
      `{"date":"${date}","base":"EUR","quote":"${quote}","rate":${rate}}`;
    if (url.pathname === "/v2/rates") {
      const quotes = (url.searchParams.get("quotes") ?? "").split(",").filter(Boolean);
      const from = url.searchParams.get("from") ?? "0000-00-00";
      const to = url.searchParams.get("to") ?? "9999-99-99";
      if (url.searchParams.get("base") !== "EUR" || quotes.some((q) => !rates.has(q))) {
        json(404, '{"message":"not found"}');
        return;
      }
      const items: string[] = [];
      for (const quote of quotes) {
        for (const [date, rate] of [...(rates.get(quote) ?? new Map())].sort()) {
          if (date >= from && date <= to) items.push(item(quote, date, rate));
        }
      }
      json(200, `[${items.join(",")}]`);
      return;
    }
    const one = /^\/v2\/rate\/([A-Z]{3})\/([A-Z]{3})$/.exec(url.pathname);
    if (one && one[1] === "EUR" && rates.has(one[2] ?? "")) {
      const date = url.searchParams.get("date") ?? "9999-99-99";
      const found = [...(rates.get(one[2] ?? "") ?? new Map())]
        .filter(([d]) => d <= date)
        .sort()
        .at(-1);
      if (found) {
        json(200, item(one[2] ?? "", found[0], found[1]));
        return;
      }
    }
    json(404, '{"message":"not found"}');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setRate(quote, date, rate) {
      const days = rates.get(quote) ?? new Map<string, string>();
      days.set(date, rate);
      rates.set(quote, days);
    },
    failNext(n, mode) {
      failures = { n, mode };
    },
    async close() {
      for (const res of hanging) res.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
