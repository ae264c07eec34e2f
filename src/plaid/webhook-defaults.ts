/**
 * Where `networth webhooks serve` listens unless told otherwise: the command's defaults, its
 * help, and the server's own all come from here (the tunnel forwards to this address).
 */

export const DEFAULT_WEBHOOK_HOST = "127.0.0.1";
export const DEFAULT_WEBHOOK_PORT = 8787;
/** The local address the user's tunnel forwards to, by default. */
export const DEFAULT_WEBHOOK_URL = `http://${DEFAULT_WEBHOOK_HOST}:${DEFAULT_WEBHOOK_PORT}`;
