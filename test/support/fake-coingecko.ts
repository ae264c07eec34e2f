import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A fake of the CoinGecko API (v3) for tests, answering in the documented shapes:
 *   GET /simple/price?ids=a,b&vs_currencies=usd     → {"a":{"usd":1.23},...}
 *   GET /coins/{id}/market_chart/range?vs_currency=usd&from=&to= (UNIX seconds)
 *                                                   → {"prices":[[ms,price],...],...}
 *   GET /exchange_rates                             → {"rates":{"usd":{"value":..},"xau":..}}
 * and asserting the official conventions on its side: the key in x-cg-demo-api-key (or
 * x-cg-pro-api-key), the query keys above (a request without them is a 400, as CoinGecko
 * answers). Prices are written into the JSON text as given (exact decimal text). It can be
 * told to fail, to rate-limit, to be down, or to lie.
 */

export interface FakeRequest {
  readonly path: string;
  readonly query: Record<string, string>;
  readonly headers: Record<string, string | string[] | undefined>;
}

export class FakeCoinGecko {
  readonly requests: FakeRequest[] = [];
  /** Today's price of each coin (decimal text). */
  readonly prices = new Map<string, string>();
  /** A coin's price on a date (decimal text), for ranges; undefined: no point that day. */
  history: (id: string, date: string) => string | undefined = () => undefined;
  /** The exchange rates of BTC: usd, xau, xag values (decimal text). */
  rates: Record<string, string> = { usd: "60000", xau: "25", xag: "2000" };
  /** Answers to send instead of the truth: status and raw body, once each, in order. */
  readonly scripted: { status: number; body: string }[] = [];
  /** Every request fails with this status while set (503: down). */
  down: number | null = null;
  /** The raw JSON value sent for a coin instead of its price ("-5", "\"abc\"", null: omitted). */
  readonly lies = new Map<string, string | null>();
  /**
   * A demo plan's history window: a range whose `from` is more than `days` before `now` (a
   * date, 00:00 UTC) is refused whole, 401 with error_code 10012, as CoinGecko answers a
   * demo or keyless request. null: any range is answered (a plan with full history).
   */
  historyWindow: { now: string; days: number } | null = null;
  /** The key it expects; undefined: none must be sent. */
  key: string | undefined;
  keyHeader = "x-cg-demo-api-key";
  private server = createServer((req, res) => this.handle(req, res));

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/api/v3`;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Requests to a path (its end: "/simple/price", "/market_chart/range", "/exchange_rates"). */
  calls(pathEnd: string): FakeRequest[] {
    return this.requests.filter((r) => r.path.endsWith(pathEnd));
  }

  private handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? "/", "http://fake");
    const query = Object.fromEntries(url.searchParams);
    this.requests.push({ path: url.pathname, query, headers: req.headers });
    const send = (status: number, body: string) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(body);
      return true;
    };
    const error = (status: number, message: string) =>
      send(status, JSON.stringify({ status: { error_code: status, error_message: message } }));
    // The key, as the official clients send it.
    const other = this.keyHeader === "x-cg-demo-api-key" ? "x-cg-pro-api-key" : "x-cg-demo-api-key";
    if (req.headers[other] !== undefined) return error(400, `unexpected ${other}`);
    if (this.key !== undefined && req.headers[this.keyHeader] !== this.key)
      return error(401, "invalid API key");
    if (this.key === undefined && req.headers[this.keyHeader] !== undefined)
      return error(400, "no key expected");
    if (this.down !== null) return error(this.down, "service unavailable");
    const next = this.scripted.shift();
    if (next) return send(next.status, next.body);
    const path = url.pathname.replace(/^\/api\/v3/, "");
    if (path === "/simple/price") {
      if (!query.ids || query.vs_currencies !== "usd")
        return error(400, "ids and vs_currencies are required");
      const parts: string[] = [];
      for (const id of query.ids.split(",")) {
        const lie = this.lies.get(id);
        if (lie === null) continue;
        const price = lie ?? this.prices.get(id);
        if (price === undefined) continue;
        parts.push(`${JSON.stringify(id)}:{"usd":${price}}`);
      }
      return send(200, `{${parts.join(",")}}`);
    }
    const range = /^\/coins\/([^/]+)\/market_chart\/range$/.exec(path);
    if (range) {
      const from = Number(query.from);
      const to = Number(query.to);
      if (
        query.vs_currency !== "usd" ||
        !Number.isFinite(from) ||
        !Number.isFinite(to) ||
        to < from
      )
        return error(400, "vs_currency, from and to are required");
      const window = this.historyWindow;
      if (window && from < Date.parse(`${window.now}T00:00:00Z`) / 1000 - window.days * 86400)
        return send(
          401,
          JSON.stringify({
            error: {
              status: {
                timestamp: `${window.now}T00:00:00.000+00:00`,
                error_code: 10012,
                error_message: `Your request exceeds the allowed time range. Public API users are limited to querying historical data within the past ${window.days} days.`,
              },
            },
          }),
        );
      const id = decodeURIComponent(range[1] as string);
      const points: string[] = [];
      for (let day = Math.ceil(from / 86400) * 86400; day <= to; day += 86400) {
        const date = new Date(day * 1000).toISOString().slice(0, 10);
        const price = this.history(id, date);
        if (price !== undefined) points.push(`[${day * 1000},${price}]`);
      }
      return send(200, `{"prices":[${points.join(",")}],"market_caps":[],"total_volumes":[]}`);
    }
    if (path === "/exchange_rates") {
      const rate = (code: string, name: string) =>
        `${JSON.stringify(code)}:{"name":${JSON.stringify(name)},"unit":"","value":${this.rates[code]},"type":"commodity"}`;
      const entries = Object.keys(this.rates).map((code) => rate(code, code));
      return send(200, `{"rates":{${entries.join(",")}}}`);
    }
    return error(404, "not found");
  }
}
