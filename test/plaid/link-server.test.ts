import { afterEach, describe, expect, it } from "vitest";
import { UserError } from "../../src/errors.js";
import { PLAID_LINK_SCRIPT_URL } from "../../src/plaid/link-page.js";
import {
  type LinkServer,
  type LinkServerOptions,
  startLinkServer,
} from "../../src/plaid/link-server.js";
import {
  isListening,
  isPending,
  type RawRequest,
  rawRequest,
  untilServerCloses,
} from "../support/link-http.js";

const TOKEN = "link-sandbox-6f1c0a2e-1111-4a4a-9b9b-000000000001";
const METADATA = {
  institution: { institution_id: "ins_109508", name: "First Platypus Bank" },
  accounts: [{ id: "acc_1", name: "Plaid Checking", type: "depository", subtype: "checking" }],
  link_session_id: "session-1",
};

const servers: LinkServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(options: Partial<LinkServerOptions> = {}): Promise<LinkServer> {
  const server = await startLinkServer({ linkToken: TOKEN, timeoutMs: 30_000, ...options });
  servers.push(server);
  return server;
}

/** The pieces of a server's URL, and the headers the real page sends. */
function parts(server: LinkServer) {
  const path = new URL(server.url).pathname;
  const state = path.split("/")[2] ?? "";
  const origin = `http://127.0.0.1:${server.port}`;
  const headers = {
    Host: `127.0.0.1:${server.port}`,
    Origin: origin,
    "Content-Type": "application/json",
    "Sec-Fetch-Site": "same-origin",
  };
  return { path, state, origin, headers };
}

/** A request exactly like the page's successful callback, with any part replaced. */
function goodCallback(server: LinkServer, change: Partial<RawRequest> = {}): RawRequest {
  const { path, state, headers } = parts(server);
  return {
    port: server.port,
    path: `${path}/callback`,
    method: "POST",
    headers,
    body: JSON.stringify({ state, publicToken: "public-sandbox-123", metadata: METADATA }),
    ...change,
  };
}

function goodExit(server: LinkServer, error: unknown): RawRequest {
  const { path, state, headers } = parts(server);
  return {
    port: server.port,
    path: `${path}/exit`,
    method: "POST",
    headers,
    body: JSON.stringify({ state, error, metadata: { status: "requires_credentials" } }),
  };
}

describe("startLinkServer", () => {
  it("binds 127.0.0.1 on a system port under a random base64url state", async () => {
    const one = await start();
    const two = await start();
    expect(one.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/link\/[A-Za-z0-9_-]{43}$/);
    expect(new URL(one.url).port).toBe(String(one.port));
    expect(one.port).toBeGreaterThan(0);
    expect(parts(one).state).not.toBe(parts(two).state);
    expect(one.port).not.toBe(two.port);
  });

  it("serves the page with the token, the state, the script and a per-response CSP nonce", async () => {
    const server = await start();
    const { path, state, headers } = parts(server);
    const page = await rawRequest({ port: server.port, path, headers: { Host: headers.Host } });
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.headers["cache-control"]).toBe("no-store");
    expect(page.headers["referrer-policy"]).toBe("no-referrer");
    expect(page.headers["x-frame-options"]).toBe("DENY");
    expect(page.body).toContain(JSON.stringify(TOKEN));
    expect(page.body).toContain(JSON.stringify(state));
    expect(page.body).toContain(`<script src="${PLAID_LINK_SCRIPT_URL}"`);
    expect(page.body).toContain("Plaid.create(");

    const csp = String(page.headers["content-security-policy"]);
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    const directives = new Map(
      csp.split(";").map((part) => {
        const [name = "", ...values] = part.trim().split(/\s+/);
        return [name, values] as const;
      }),
    );
    expect(directives.get("default-src")).toEqual(["'self'"]);
    expect(directives.get("script-src")).toEqual([
      `'nonce-${nonce}'`,
      "https://cdn.plaid.com",
      "https://*.plaid.com",
    ]);
    expect(directives.get("frame-src")).toEqual(["https://cdn.plaid.com", "https://*.plaid.com"]);
    expect(directives.get("connect-src")).toEqual(["'self'", "https://*.plaid.com"]);
    expect(directives.get("frame-ancestors")).toEqual(["'none'"]);
    expect(directives.get("object-src")).toEqual(["'none'"]);
    // Every script element carries the nonce; nothing else external is loaded.
    const scripts = page.body.match(/<script[^>]*>/g) ?? [];
    expect(scripts).toHaveLength(2);
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
    expect(page.body.match(/(?:src|href)="[^"]*"/g)).toEqual([
      'href="data:,"',
      `src="${PLAID_LINK_SCRIPT_URL}"`,
    ]);

    const again = await rawRequest({ port: server.port, path, headers: { Host: headers.Host } });
    expect(again.status).toBe(200);
    expect(again.headers["content-security-policy"]).not.toContain(nonce);
    const head = await rawRequest({ port: server.port, path, method: "HEAD", headers });
    expect(head.status).toBe(200);
    expect(head.body).toBe("");
    expect(await isPending(server.result)).toBe(true);
  });

  it("escapes a hostile link token and script URL", async () => {
    const hostile = `</script><script>alert("x")</script><!--\u2028&`;
    const server = await start({
      linkToken: hostile,
      scriptUrl: 'https://cdn.plaid.com/link.js?a="><script>alert(1)</script>',
    });
    const { path, headers } = parts(server);
    const page = await rawRequest({ port: server.port, path, headers: { Host: headers.Host } });
    expect(page.body).not.toContain("<script>alert");
    expect(page.body).not.toContain('"><script');
    expect(page.body).not.toContain("<!--");
    expect(page.body).not.toContain("\u2028");
    expect(page.body.match(/<script/g)).toHaveLength(2);
    expect(page.body.match(/<\/script>/g)).toHaveLength(2);
    expect(page.body).toContain("\\u003c/script\\u003e\\u003cscript\\u003e");
    expect(page.body).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
  });

  it("refuses a script URL that is not http(s) and options out of range", async () => {
    await expect(
      startLinkServer({ linkToken: TOKEN, timeoutMs: 1000, scriptUrl: "javascript:alert(1)" }),
    ).rejects.toThrow("http:// or https://");
    await expect(startLinkServer({ linkToken: "", timeoutMs: 1000 })).rejects.toThrow("link token");
    await expect(startLinkServer({ linkToken: TOKEN, timeoutMs: 0 })).rejects.toThrow("timeoutMs");
    await expect(
      startLinkServer({ linkToken: TOKEN, timeoutMs: 1000, maxBodyBytes: -1 }),
    ).rejects.toThrow("maxBodyBytes");
  });

  it("takes one successful callback, then answers 410 Gone and closes by itself", async () => {
    const server = await start();
    const first = await rawRequest(goodCallback(server));
    expect(first.status).toBe(200);
    await expect(server.result).resolves.toEqual({
      kind: "success",
      publicToken: "public-sandbox-123",
      metadata: METADATA,
    });
    expect(first.headers.connection).toBe("close");

    const second = await rawRequest(goodCallback(server));
    expect(second.status).toBe(410);
    expect(second.body).toMatch(/already used/);
    const exit = await rawRequest(goodExit(server, null));
    expect(exit.status).toBe(410);
    const page = await rawRequest({
      port: server.port,
      path: parts(server).path,
      headers: { Host: parts(server).headers.Host },
    });
    expect(page.status).toBe(410);

    await server.closed;
    expect(await isListening(server.port)).toBe(false);
    await server.close();
    await server.close();
  });

  it("accepts exactly one of two concurrent callbacks", async () => {
    const server = await start();
    const answers = await Promise.all([
      rawRequest(goodCallback(server)),
      rawRequest(goodCallback(server)),
    ]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 410]);
    await expect(server.result).resolves.toMatchObject({ kind: "success" });
  });

  it("takes an exit with Plaid's error", async () => {
    const server = await start();
    const answer = await rawRequest(
      goodExit(server, {
        error_type: "ITEM_ERROR",
        error_code: "INVALID_CREDENTIALS",
        error_message: "the provided credentials were not correct",
        display_message: "The credentials were not correct.",
        extra: { ignored: true },
      }),
    );
    expect(answer.status).toBe(200);
    await expect(server.result).resolves.toEqual({
      kind: "exit",
      error: {
        error_type: "ITEM_ERROR",
        error_code: "INVALID_CREDENTIALS",
        error_message: "the provided credentials were not correct",
        display_message: "The credentials were not correct.",
      },
      metadata: { status: "requires_credentials" },
    });
    expect((await rawRequest(goodCallback(server))).status).toBe(410);
  });

  it("takes an exit without an error (the user closed Link)", async () => {
    const server = await start();
    expect((await rawRequest(goodExit(server, null))).status).toBe(200);
    await expect(server.result).resolves.toEqual({
      kind: "exit",
      error: null,
      metadata: { status: "requires_credentials" },
    });
  });

  it("accepts localhost as the Host and Origin too", async () => {
    const server = await start();
    const answer = await rawRequest(
      goodCallback(server, {
        headers: {
          ...parts(server).headers,
          Host: `localhost:${server.port}`,
          Origin: `http://localhost:${server.port}`,
        },
      }),
    );
    expect(answer.status).toBe(200);
    await expect(server.result).resolves.toMatchObject({ publicToken: "public-sandbox-123" });
  });

  it("accepts a callback without Origin or Sec-Fetch-Site (not a browser)", async () => {
    const server = await start();
    const { Host } = parts(server).headers;
    const answer = await rawRequest(
      goodCallback(server, {
        headers: { Host, "Content-Type": "application/json; charset=UTF-8" },
      }),
    );
    expect(answer.status).toBe(200);
    await expect(server.result).resolves.toMatchObject({ kind: "success" });
  });

  it("gives up after timeoutMs with a UserError and closes the port", async () => {
    const server = await start({ timeoutMs: 200 });
    const started = Date.now();
    const error = await server.result.then(
      () => null,
      (reason: unknown) => reason,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe(
      "gave up waiting for Plaid Link after 0.2 s; run networth link again",
    );
    await server.closed;
    expect(await isListening(server.port)).toBe(false);
  });

  it("close() before a result rejects it, is idempotent and closes keep-alive connections", async () => {
    const server = await start();
    // A kept-alive connection from an earlier request must not hold close() up.
    const response = await fetch(server.url);
    expect(response.status).toBe(200);
    await response.text();
    await Promise.all([server.close(), server.close()]);
    await expect(server.result).rejects.toThrow(UserError);
    expect(await isListening(server.port)).toBe(false);
    await server.close();
  });

  it("refuses a body over maxBodyBytes with 413 and stops reading; one at the limit passes", async () => {
    const server = await start({ maxBodyBytes: 1024 });
    const { headers } = parts(server);
    const declared = await rawRequest(
      goodCallback(server, {
        headers: { ...headers, "Content-Length": 10 * 1024 * 1024 },
        body: Array.from({ length: 64 }, () => Buffer.alloc(1024, "x")),
      }),
    );
    expect(declared.status).toBe(413);
    expect(declared.headers.connection).toBe("close");
    // A client that declared 10 MiB, sent 1 KiB and waits: the server answers and closes the
    // connection at once instead of waiting for (or reading) the rest.
    const { path, state } = parts(server);
    const head = [
      `POST ${path}/callback HTTP/1.1`,
      `Host: 127.0.0.1:${server.port}`,
      "Content-Type: application/json",
      `Content-Length: ${10 * 1024 * 1024}`,
    ];
    const raw = await untilServerCloses(
      server.port,
      `${head.join("\r\n")}\r\n\r\n${"x".repeat(1024)}`,
    );
    expect(raw).toMatch(/^HTTP\/1\.1 413 /);
    const slow = [...head.slice(0, 3), "Transfer-Encoding: chunked"];
    const chunk = `400\r\n${" ".repeat(1024)}\r\n`;
    const rawChunked = await untilServerCloses(
      server.port,
      `${slow.join("\r\n")}\r\n\r\n${chunk.repeat(2)}`,
    );
    expect(rawChunked).toMatch(/^HTTP\/1\.1 413 /);
    // Chunked, no length: the server counts and stops at the limit, not at the end.
    const streamed = await rawRequest(
      goodCallback(server, {
        headers: { ...headers, "Transfer-Encoding": "chunked" },
        body: Array.from({ length: 10_000 }, () => Buffer.alloc(1024, " ")),
      }),
    );
    expect(streamed.status).toBe(413);
    expect(await isPending(server.result)).toBe(true);

    const body = JSON.stringify({ state, publicToken: "public-sandbox-123", metadata: {} });
    const exact = body.padEnd(1024, " ");
    expect(Buffer.byteLength(exact)).toBe(1024);
    expect((await rawRequest(goodCallback(server, { body: exact }))).status).toBe(200);
    await expect(server.result).resolves.toMatchObject({ kind: "success", metadata: {} });
  });
});

/** Each refusal: its request (from the good callback), the status, and a word of the answer. */
interface Refused {
  readonly name: string;
  readonly status: number;
  readonly says: RegExp;
  readonly allow?: string;
  readonly request: (server: LinkServer) => RawRequest;
}

function withHeaders(change: (server: LinkServer) => Record<string, string | number>) {
  return (server: LinkServer) =>
    goodCallback(server, { headers: { ...parts(server).headers, ...change(server) } });
}

function withBody(body: string | ((state: string) => unknown)) {
  return (server: LinkServer) =>
    goodCallback(server, {
      body: typeof body === "string" ? body : JSON.stringify(body(parts(server).state)),
    });
}

const OTHER_STATE = "A".repeat(43);

const REFUSALS: Refused[] = [
  {
    name: "an unknown state in the path (page)",
    status: 404,
    says: /not found/,
    request: (server) => ({
      port: server.port,
      path: `/link/${OTHER_STATE}`,
      headers: { Host: parts(server).headers.Host },
    }),
  },
  {
    name: "an unknown state in the path (callback)",
    status: 404,
    says: /not found/,
    request: (server) => goodCallback(server, { path: `/link/${OTHER_STATE}/callback` }),
  },
  {
    name: "a prefix of the state in the path",
    status: 404,
    says: /not found/,
    request: (server) =>
      goodCallback(server, { path: `${parts(server).path.slice(0, -1)}/callback` }),
  },
  {
    name: "another path",
    status: 404,
    says: /not found/,
    request: (server) => goodCallback(server, { path: `${parts(server).path}/other` }),
  },
  {
    name: "the root",
    status: 404,
    says: /not found/,
    request: (server) => ({
      port: server.port,
      path: "/",
      headers: { Host: parts(server).headers.Host },
    }),
  },
  {
    name: "a wrong state in the body",
    status: 403,
    says: /wrong state/,
    request: withBody(() => ({ state: OTHER_STATE, publicToken: "public-x", metadata: {} })),
  },
  {
    name: "no state in the body",
    status: 403,
    says: /wrong state/,
    request: withBody(() => ({ publicToken: "public-x", metadata: {} })),
  },
  {
    name: "a state of another type in the body",
    status: 403,
    says: /wrong state/,
    request: withBody(() => ({ state: 1, publicToken: "public-x" })),
  },
  {
    name: "another Host (DNS rebinding)",
    status: 421,
    says: /Host/,
    request: withHeaders((server) => ({ Host: `attacker.example:${server.port}` })),
  },
  {
    name: "a Host with another port",
    status: 421,
    says: /Host/,
    request: withHeaders((server) => ({ Host: `127.0.0.1:${server.port + 1}` })),
  },
  {
    name: "a Host without the port",
    status: 421,
    says: /Host/,
    request: withHeaders(() => ({ Host: "127.0.0.1" })),
  },
  {
    name: "another Host on the page",
    status: 421,
    says: /Host/,
    request: (server) => ({
      port: server.port,
      path: parts(server).path,
      headers: { Host: `attacker.example:${server.port}` },
    }),
  },
  {
    name: "a foreign Origin",
    status: 403,
    says: /cross-origin/,
    request: withHeaders(() => ({ Origin: "https://attacker.example" })),
  },
  {
    name: "the null Origin",
    status: 403,
    says: /cross-origin/,
    request: withHeaders(() => ({ Origin: "null" })),
  },
  {
    name: "an Origin with another port",
    status: 403,
    says: /cross-origin/,
    request: withHeaders((server) => ({ Origin: `http://127.0.0.1:${server.port + 1}` })),
  },
  {
    name: "an https Origin",
    status: 403,
    says: /cross-origin/,
    request: withHeaders((server) => ({ Origin: `https://127.0.0.1:${server.port}` })),
  },
  {
    name: "a cross-site fetch",
    status: 403,
    says: /cross-site/,
    request: withHeaders(() => ({ "Sec-Fetch-Site": "cross-site" })),
  },
  {
    name: "GET on the callback",
    status: 405,
    says: /method/,
    allow: "POST",
    request: (server) => goodCallback(server, { method: "GET", body: undefined }),
  },
  {
    name: "PUT on the exit",
    status: 405,
    says: /method/,
    allow: "POST",
    request: (server) => ({ ...goodExit(server, null), method: "PUT" }),
  },
  {
    name: "POST on the page",
    status: 405,
    says: /method/,
    allow: "GET, HEAD",
    request: (server) => goodCallback(server, { path: parts(server).path }),
  },
  {
    name: "no Content-Type",
    status: 415,
    says: /application\/json/,
    request: (server) => {
      const { "Content-Type": _, ...headers } = parts(server).headers;
      return goodCallback(server, { headers });
    },
  },
  {
    name: "a form Content-Type",
    status: 415,
    says: /application\/json/,
    request: withHeaders(() => ({ "Content-Type": "application/x-www-form-urlencoded" })),
  },
  {
    name: "text/plain (a CORS-simple request)",
    status: 415,
    says: /application\/json/,
    request: withHeaders(() => ({ "Content-Type": "text/plain" })),
  },
  {
    name: "JSON in another charset",
    status: 415,
    says: /application\/json/,
    request: withHeaders(() => ({ "Content-Type": "application/json; charset=latin1" })),
  },
  {
    name: "a body over 64 KiB",
    status: 413,
    says: /larger than 65536 bytes/,
    request: withBody((state) => ({ state, publicToken: "p".repeat(70_000) })),
  },
  {
    name: "malformed JSON",
    status: 400,
    says: /not valid JSON/,
    request: withBody('{"state": '),
  },
  {
    name: "a JSON array",
    status: 400,
    says: /object/,
    request: withBody((state) => [state]),
  },
  {
    name: "no publicToken",
    status: 400,
    says: /publicToken/,
    request: withBody((state) => ({ state, metadata: {} })),
  },
  {
    name: "an empty publicToken",
    status: 400,
    says: /publicToken/,
    request: withBody((state) => ({ state, publicToken: " ", metadata: {} })),
  },
  {
    name: "metadata that is not an object",
    status: 400,
    says: /metadata/,
    request: withBody((state) => ({ state, publicToken: "public-x", metadata: "x" })),
  },
  {
    name: "an exit error that is not an object",
    status: 400,
    says: /error/,
    request: (server) => goodExit(server, "boom"),
  },
];

describe("startLinkServer refuses, changing nothing:", () => {
  it.each(REFUSALS)("$name ($status)", async ({ status, says, allow, request }) => {
    const server = await start();
    const answer = await rawRequest(request(server));
    expect(answer.status).toBe(status);
    expect(answer.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(answer.body).toMatch(says);
    expect(answer.body.length).toBeLessThan(100);
    if (allow) expect(answer.headers.allow).toBe(allow);
    expect(await isPending(server.result)).toBe(true);

    // The same request again is refused the same way: the refusal used nothing up.
    expect((await rawRequest(request(server))).status).toBe(status);
    const good = await rawRequest(goodCallback(server));
    expect(good.status).toBe(200);
    await expect(server.result).resolves.toEqual({
      kind: "success",
      publicToken: "public-sandbox-123",
      metadata: METADATA,
    });
  });
});
