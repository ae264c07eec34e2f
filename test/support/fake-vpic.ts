import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A fake of NHTSA vPIC for tests: GET /api/vehicles/DecodeVinValues/<vin>?format=json
 * (asserted: format=json, no key), answering { Count, Message, SearchCriteria, Results: [{
 * ModelYear, Make, Model, ErrorCode, ErrorText, ... }] } as vPIC does: a VIN it does not know
 * decodes with ErrorCode "1,11" and empty fields, the way vPIC answers a bad check digit.
 */
export class FakeVpic {
  readonly requests: { path: string; query: Record<string, string> }[] = [];
  readonly vins = new Map<string, { year: string; make: string; model: string }>();
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
    this.requests.push({ path: url.pathname, query: Object.fromEntries(url.searchParams) });
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
      return true;
    };
    const match = /^\/api\/vehicles\/DecodeVinValues\/([^/]+)$/.exec(url.pathname);
    if (!match || url.searchParams.get("format") !== "json") return send(404, { Message: "no" });
    const vin = decodeURIComponent(match[1] as string);
    const known = this.vins.get(vin);
    const result = known
      ? {
          ModelYear: known.year,
          Make: known.make,
          Model: known.model,
          ErrorCode: "0",
          ErrorText: "0 - VIN decoded clean.",
        }
      : {
          ModelYear: "",
          Make: "",
          Model: "",
          ErrorCode: "1,11",
          ErrorText: "1 - Check Digit (9th position) does not calculate properly.",
        };
    return send(200, {
      Count: 1,
      Message: "Results returned successfully",
      SearchCriteria: `VIN:${vin}`,
      Results: [{ ...result, VIN: vin }],
    });
  }
}
