/**
 * The page the loopback Link server serves: it loads Plaid's Link script, opens Link with the
 * link token, and posts the outcome back to the server that served it. Everything interpolated
 * into the HTML is escaped; the data the script needs is a JSON literal with every character
 * that could end the script element escaped, and results are shown with textContent only.
 */

/** Where Plaid serves Link's script; it must always be loaded from there, never bundled. */
export const PLAID_LINK_SCRIPT_URL = "https://cdn.plaid.com/link/v2/stable/link-initialize.js";

/** Every Plaid host: Link's frames, and the API hosts its script talks to. */
const PLAID_HOSTS = "https://*.plaid.com";

/** What the page says once the server has the result. */
export const LINKED_MESSAGE = "Linked. You can close this window.";

/** What linkPage needs. */
export interface LinkPageOptions {
  /** The link token, from /link/token/create. */
  readonly linkToken: string;
  /** The server's single-use state: the page sends it back with the result. */
  readonly state: string;
  /** Where to load Plaid's script from: an http(s) URL. */
  readonly scriptUrl: string;
  /** This response's CSP nonce (base64), the same one linkPageCsp was given. */
  readonly nonce: string;
}

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Text safe inside an HTML element or a quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

/**
 * A JSON literal safe inside a <script> element: no `<`, `>` or `&` (so no `</script>` and no
 * `<!--`), and no U+2028/U+2029 (line terminators in older JavaScript).
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function checkNonce(nonce: string): string {
  if (!/^[A-Za-z0-9+/_-]{16,}={0,2}$/.test(nonce)) throw new Error("the CSP nonce must be base64");
  return nonce;
}

function scriptOrigin(scriptUrl: string): string {
  const url = URL.canParse(scriptUrl) ? new URL(scriptUrl) : null;
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) {
    throw new Error("the Plaid Link script URL must be an http:// or https:// URL");
  }
  return url.origin;
}

/**
 * The Content-Security-Policy for one response of the page: only this origin, the script's
 * host and Plaid's hosts (script, frames, connections), and the page's own inline script by
 * its nonce. Inline styles are allowed (they cannot run code): Plaid's script styles the frame
 * it inserts. Nothing may frame the page, and it submits no forms.
 */
export function linkPageCsp(options: { scriptUrl: string; nonce: string }): string {
  const nonce = checkNonce(options.nonce);
  const origin = scriptOrigin(options.scriptUrl);
  const hosts = [...new Set([origin, PLAID_HOSTS])].join(" ");
  return [
    "default-src 'self'",
    `script-src 'nonce-${nonce}' ${hosts}`,
    `frame-src ${hosts}`,
    `connect-src 'self' ${PLAID_HOSTS}`,
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' data: ${PLAID_HOSTS}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/*
 * The page's script, after `const config = {...}`. Plain browser JavaScript: it runs once,
 * opens Link at once, and reports exactly one outcome. When Plaid's script did not load (no
 * network, a blocker), it reports that as an exit so the CLI does not wait for its timeout.
 */
const PAGE_SCRIPT = `
  const statusLine = document.getElementById("status");
  const base = "/link/" + encodeURIComponent(config.state);
  let reported = false;

  function show(text, isError) {
    statusLine.textContent = text;
    statusLine.className = isError ? "error" : "";
  }

  function describe(error) {
    const code = typeof error.error_code === "string" && error.error_code ? error.error_code : "ERROR";
    const message =
      (typeof error.display_message === "string" && error.display_message) ||
      (typeof error.error_message === "string" && error.error_message) ||
      "";
    return message ? code + ": " + message : code;
  }

  async function post(path, body) {
    const response = await fetch(base + path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
      redirect: "error",
    });
    if (!response.ok) {
      const text = (await response.text()).trim();
      throw new Error(text || "HTTP " + response.status);
    }
  }

  function notDelivered(error) {
    const reason = error && error.message ? error.message : String(error);
    show("networth did not take the result (" + reason + "). Run networth link again.", true);
  }

  async function report(path, body, done) {
    if (reported) return;
    reported = true;
    show("Sending the result to networth\\u2026", false);
    try {
      await post(path, body);
    } catch (error) {
      notDelivered(error);
      return;
    }
    done();
  }

  function exit(error, metadata) {
    const plain = error && typeof error === "object" ? error : null;
    void report("/exit", { state: config.state, error: plain, metadata: metadata || {} }, () => {
      if (plain) show("Plaid Link stopped: " + describe(plain) + ". You can close this window.", true);
      else show("Plaid Link was closed before an account was linked. You can close this window.", false);
    });
  }

  function success(publicToken, metadata) {
    void report(
      "/callback",
      { state: config.state, publicToken: publicToken, metadata: metadata || {} },
      () => show(config.linkedMessage, false),
    );
  }

  function pageError(code, message) {
    return { error_type: "NETWORTH_LINK_PAGE", error_code: code, error_message: message, display_message: null };
  }

  if (typeof window.Plaid !== "object" || !window.Plaid || typeof window.Plaid.create !== "function") {
    exit(pageError("LINK_SCRIPT_NOT_LOADED", "Plaid's Link script could not be loaded"), {});
  } else {
    try {
      window.Plaid.create({
        token: config.linkToken,
        onSuccess: success,
        onExit: exit,
        onEvent: () => {},
      }).open();
    } catch (error) {
      exit(pageError("LINK_OPEN_FAILED", error && error.message ? String(error.message) : String(error)), {});
    }
  }
`;

/** The whole page; serve it with linkPageCsp for the same nonce and scriptUrl. */
export function linkPage(options: LinkPageOptions): string {
  const nonce = escapeHtml(checkNonce(options.nonce));
  scriptOrigin(options.scriptUrl);
  const config = scriptJson({
    linkToken: options.linkToken,
    state: options.state,
    linkedMessage: LINKED_MESSAGE,
  });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>networth: link an account</title>
<link rel="icon" href="data:,">
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 36rem; margin: 3rem auto; padding: 0 1rem; color: #222; }
  .error { color: #b00020; }
</style>
</head>
<body>
<h1>networth</h1>
<p id="status" role="status" aria-live="polite">Opening Plaid Link\u2026</p>
<noscript><p>Plaid Link needs JavaScript.</p></noscript>
<script src="${escapeHtml(options.scriptUrl)}" nonce="${nonce}"></script>
<script nonce="${nonce}">
"use strict";
{
  const config = ${config};
${PAGE_SCRIPT}
}
</script>
</body>
</html>
`;
}
