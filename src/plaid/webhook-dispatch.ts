import { classifyWebhook, itemChange, syncMessage } from "../core/webhook-item.js";
import type { WebhookDatabase } from "../db/webhook-database.js";
import { findItemByPlaidId, setItemState, type WebhookItem } from "../db/webhook-items.js";
import { coalescer } from "./coalesce.js";
import type { SyncItemResult } from "./sync.js";

/**
 * What a verified webhook does: ITEM changes are written before the answer; data webhooks are
 * answered at once and sync their item after, one sync per item at a time (coalesce.ts).
 */

/** Something the server did, for one line of output (or one JSON object a line). */
export interface WebhookEvent {
  readonly kind: "rejected" | "item" | "unknown_item" | "ignored" | "sync" | "error";
  /** warn: refused requests and failures of the server's own (stderr); info: the rest. */
  readonly level: "info" | "warn";
  /** What happened and, when something is to be done, what. */
  readonly message: string;
  readonly at: string;
  readonly webhookType?: string;
  readonly webhookCode?: string;
  readonly plaidItemId?: string;
  readonly item?: {
    readonly id: string;
    readonly institutionName: string;
    readonly status: string;
    readonly errorCode: string | null;
  };
  /** The HTTP status a rejected request got, and why. */
  readonly httpStatus?: number;
  readonly reason?: string;
  readonly results?: readonly SyncItemResult[];
}

/** The answer to a webhook, and the work to start once it is sent. */
export interface WebhookAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly after?: () => void;
}

/** What the dispatcher needs: see WebhookServerOptions. */
export interface DispatchDeps {
  readonly database: WebhookDatabase;
  readonly syncItem: (itemRowId: string) => Promise<readonly SyncItemResult[]>;
  readonly emit: (event: Omit<WebhookEvent, "at">) => void;
  /** Hands over each chain of syncs, so that the server can wait for it. */
  readonly track: (work: Promise<void>) => void;
}

export interface WebhookDispatcher {
  dispatch(body: Record<string, unknown>): Promise<WebhookAnswer>;
  /** No queued sync starts after this. */
  stop(): void;
}

const describe = (item: WebhookItem, state: Pick<WebhookItem, "status" | "errorCode"> = item) => ({
  id: item.id,
  institutionName: item.institutionName,
  status: state.status,
  errorCode: state.errorCode,
});

const RECEIVED: WebhookAnswer = { status: 200, body: { received: true } };

export function webhookDispatcher(deps: DispatchDeps): WebhookDispatcher {
  const { database, emit } = deps;

  /**
   * The item a webhook names, or null (said as an event) when networth does not know it or
   * the user unlinked it.
   */
  function known(item: WebhookItem | null, base: Record<string, string>, what: string) {
    if (!item) {
      emit({
        ...base,
        kind: "unknown_item",
        level: "info",
        message: `${what} for an item networth does not know (${base.plaidItemId}): ignored`,
      });
      return null;
    }
    if (item.status === "disconnected") {
      emit({
        ...base,
        kind: "ignored",
        level: "info",
        item: describe(item),
        message: `${item.institutionName}: ${what} for an unlinked item: ignored`,
      });
      return null;
    }
    return item;
  }

  async function syncOnce(
    plaidItemId: string,
    { webhookType, webhookCode }: { webhookType: string; webhookCode: string },
  ): Promise<void> {
    const base = { webhookType, webhookCode, plaidItemId };
    try {
      const found = await database.use((db) => findItemByPlaidId(db.sql, plaidItemId));
      const item = known(found, base, `${webhookType} ${webhookCode}`);
      if (!item) return;
      const results = await deps.syncItem(item.id);
      emit({
        ...base,
        kind: "sync",
        item: describe(item),
        results,
        level: "info",
        message: syncMessage(item.institutionName, webhookType, results),
      });
    } catch (error) {
      emit({
        ...base,
        kind: "error",
        level: "warn",
        message: `sync after ${webhookType} ${webhookCode} for ${plaidItemId} failed: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }

  // The next sync of an item covers every webhook meanwhile; its line names the latest.
  const syncs = coalescer(syncOnce, deps.track);

  async function itemWebhook(
    webhookCode: string,
    plaidItemId: string,
    body: Record<string, unknown>,
  ): Promise<void> {
    const base = { webhookType: "ITEM", webhookCode, plaidItemId };
    await database.use(async (db) => {
      const item = known(await findItemByPlaidId(db.sql, plaidItemId), base, `ITEM ${webhookCode}`);
      if (!item) return;
      const change = itemChange(webhookCode, body, item);
      if (!change) {
        return emit({
          ...base,
          kind: "ignored",
          level: "info",
          item: describe(item),
          message: `${item.institutionName}: ITEM ${webhookCode} (not handled): ignored`,
        });
      }
      const changed = change.state ? await setItemState(db.sql, item.id, change.state) : false;
      const after = changed && change.state ? change.state : item;
      emit({
        ...base,
        kind: "item",
        level: "info",
        item: describe(item, after),
        message: change.message,
      });
    });
  }

  return {
    async dispatch(body) {
      const webhook = classifyWebhook(body);
      if (webhook.kind === "invalid") {
        emit({
          kind: "ignored",
          level: "warn",
          message: "a webhook without webhook_type or webhook_code: ignored",
        });
        return { status: 400, body: { error: "webhook_type and webhook_code are required" } };
      }
      const { webhookType, webhookCode, plaidItemId } = webhook;
      if (webhook.kind === "ignored") {
        emit({
          kind: "ignored",
          level: "info",
          webhookType,
          webhookCode,
          ...(plaidItemId ? { plaidItemId } : {}),
          message: `${webhookType} ${webhookCode}${plaidItemId ? ` for ${plaidItemId}` : ""} (not handled): ignored`,
        });
        return RECEIVED;
      }
      if (webhook.kind === "item") {
        await itemWebhook(webhookCode, webhook.plaidItemId, body);
        return RECEIVED;
      }
      // Acknowledged now, synced after: Plaid waits only seconds for the answer.
      return {
        ...RECEIVED,
        after: () => syncs.request(webhook.plaidItemId, { webhookType, webhookCode }),
      };
    },
    stop: () => syncs.stop(),
  };
}
