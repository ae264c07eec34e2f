import { AMOUNT_LIMIT_TEXT } from "../core/amount.js";
import type { DatabaseTarget } from "./target.js";

interface PgLikeError {
  code?: string;
  errno?: string;
  message?: string;
  severity?: string;
  table_name?: string;
  constraint_name?: string;
  column_name?: string;
}

/**
 * Turns a connection or PostgreSQL error into one sentence the user can act on, or null when
 * it is not one we know. Never includes a query's parameters or a password.
 */
export function describeDatabaseError(error: unknown, target?: DatabaseTarget): string | null {
  if (!error || typeof error !== "object") return null;
  const e = error as PgLikeError;
  const where = target?.kind === "server" ? `${target.host}:${target.port}` : "the database";
  const dbName = target?.kind === "server" ? target.database : "";
  switch (e.code) {
    case "ECONNREFUSED":
      return `cannot connect to the database server at ${where}: connection refused (is PostgreSQL running there?)`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `cannot connect to the database server at ${where}: the host name does not resolve`;
    case "CONNECT_TIMEOUT":
    case "ETIMEDOUT":
      return `cannot connect to the database server at ${where}: no answer within 10 s`;
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return `cannot connect to the database server at ${where}: the host is unreachable`;
    case "ECONNRESET":
    case "CONNECTION_CLOSED":
    case "CONNECTION_ENDED":
    case "CONNECTION_DESTROYED":
      // On the embedded database only a command attached to another networth process's
      // database loses its connection: that process ended under it.
      if (target?.kind === "embedded")
        return "the other networth process that shared the embedded database with this command ended while it worked; nothing of it after its last save was written: run it again";
      return `the connection to the database server at ${where} was lost; try again`;
    case "28P01":
    case "28000":
      return `the database server at ${where} refused the login: check the user and password in the database URL`;
    case "3D000":
      return `database "${dbName}" does not exist on ${where}: create it (createdb ${dbName}) or fix the URL`;
    case "42P01":
    case "42883":
    case "42704":
      return `the database schema is missing or incomplete: run networth db migrate (${e.message})`;
    case "42501":
      return `the database role lacks a privilege networth needs (${e.message}); run networth db migrate as the role that owns the schema`;
    case "53300":
      return `the database server at ${where} has too many connections; try again later`;
    case "57P01":
    case "57P03":
      return `the database server at ${where} is shutting down or starting up; try again`;
    case "23505":
      return `that would create a duplicate${e.constraint_name ? ` (${e.constraint_name})` : ""}`;
    case "23503":
      return `that refers to something that does not exist or is still in use${e.constraint_name ? ` (${e.constraint_name})` : ""}`;
    case "23514":
      if (e.constraint_name === "chk_balance_range")
        return `an amount is out of range: at most ${AMOUNT_LIMIT_TEXT} either way`;
      if (e.constraint_name === "chk_accounts_per_user")
        return "a user can have at most 10,000 accounts: archive or delete some first";
      return `the database rejected a value${e.constraint_name ? ` (check ${e.constraint_name})` : ""}`;
    case "22003":
      return "a number is out of range for the database";
    case "40001":
    case "40P01":
      return "the database could not complete the change because of a concurrent one; try again";
    default:
      return null;
  }
}
