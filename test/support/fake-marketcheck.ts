import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A fake of MarketCheck's price prediction for tests:
 * GET /v2/predict/car/us/marketcheck_price?api_key=&vin=&miles=&zip= (asserted: the key in
 * the api_key query, vin and miles present), answering { marketcheck_price, msrp, ... }.
 * The price is a function of the miles, so the test can tell the mileage sent.
 */
export class FakeMarketCheck {
  readonly requests: Record<string, string>[] = [];
  key = "marketcheck-test-key";
  down: number | null = null;
  /** The predicted price for a number of miles (decimal text). */
  price: (miles: number) => string = (miles) => String(30000 - Math.floor(miles / 10));
  private server = createServer((req, res) => this.handle(req, res));

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? "/", "http://fake");
    const query = Object.fromEntries(url.searchParams);
    this.requests.push(query);
    const send = (status: number, body: string) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(body);
      return true;
    };
    if (query.api_key !== this.key) return send(401, '{"code":401,"message":"invalid api_key"}');
    if (this.down !== null) return send(this.down, '{"message":"unavailable"}');
    if (url.pathname !== "/v2/predict/car/us/marketcheck_price") return send(404, "{}");
    if (!query.vin || !/^\d+$/.test(query.miles ?? ""))
      return send(400, '{"message":"vin and miles are required"}');
    return send(
      200,
      `{"marketcheck_price":${this.price(Number(query.miles))},"msrp":41000,"is_price_available":true}`,
    );
  }
}
