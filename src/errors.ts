/**
 * The few error classes the CLI knows. Anything else that reaches the handler in cli.ts is
 * unexpected: reported once, with a stack only under NETWORTH_DEBUG.
 */

/** A problem the user can fix: one line on stderr, exit code 1. */
export class UserError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = "UserError";
    this.exitCode = exitCode;
  }
}

/** Bad arguments or options on the command line: exit code 2. */
export class UsageError extends UserError {
  constructor(message: string) {
    super(message, 2);
    this.name = "UsageError";
  }
}

/** Thrown where a user is required but no valid session exists. */
export class NotLoggedInError extends UserError {
  constructor(reason: "none" | "expired" = "none") {
    super(
      reason === "expired"
        ? "session expired: run networth login <email>"
        : "not logged in: run networth login <email>",
    );
    this.name = "NotLoggedInError";
  }
}

/**
 * The work was stopped by Ctrl-C or SIGTERM before anything was committed: the open
 * transaction rolled back. The CLI reports it and exits 130 (SIGINT) or 143 (SIGTERM).
 */
export class CancelledError extends UserError {
  constructor() {
    super("cancelled, nothing saved", 130);
    this.name = "CancelledError";
  }
}
