import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A fake of RentCast's AVM for tests: GET /v1/avm/value?address=… with the key in X-Api-Key
 * (asserted here: a missing or wrong key is a 401, a request without an address a 400),
 * answering { price, priceRangeLow, priceRangeHigh, latitude, longitude, comparables } as
 * RentCast does. It can be told to be down or to lie (a raw body once).
 */
export class FakeRentCast {
  readonly requests: { address: string | null; key: string | undefined }[] = [];
  /** The value of each address (decimal text), with its range. */
  readonly homes = new Map<string, { price: string; low: string; high: string }>();
  key = "rentcast-test-key";
  down: number | null = null;
  readonly scripted: { status: number; body: string }[] = [];
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
    const key = req.headers["x-api-key"];
    const address = url.searchParams.get("address");
    this.requests.push({ address, key: typeof key === "string" ? key : undefined });
    const send = (status: number, body: string) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(body);
      return true;
    };
    if (key !== this.key) return send(401, '{"status":401,"message":"Invalid API key"}');
    if (this.down !== null) return send(this.down, '{"message":"unavailable"}');
    const next = this.scripted.shift();
    if (next) return send(next.status, next.body);
    if (url.pathname !== "/v1/avm/value") return send(404, '{"message":"not found"}');
    if (!address) return send(400, '{"message":"address is required"}');
    const home = this.homes.get(address);
    if (!home) return send(404, '{"message":"no property found"}');
    return send(
      200,
      `{"price":${home.price},"priceRangeLow":${home.low},"priceRangeHigh":${home.high},"latitude":29.47,"longitude":-98.35,"comparables":[]}`,
    );
  }
}
