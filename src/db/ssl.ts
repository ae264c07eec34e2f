import { connect } from "node:net";

/** The SSL mode a database URL asks for, when it insists on SSL (postgres.js's reading). */
export function requiredSslMode(url: string): string | undefined {
  try {
    const params = new URL(url).searchParams;
    const mode = params.get("sslmode") ?? params.get("ssl");
    if (!mode || ["disable", "prefer", "false"].includes(mode)) return undefined;
    return mode;
  } catch {
    return undefined;
  }
}

/**
 * Asks the server at host:port whether it speaks SSL, as every PostgreSQL client does first
 * (an SSLRequest, answered 'S' or 'N'): true, false, or undefined when there is no clear
 * answer within the time.
 */
export function serverSpeaksSsl(
  host: string,
  port: number,
  timeoutMs = 2_000,
): Promise<boolean | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (answer: boolean | undefined) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => done(undefined));
    socket.once("error", () => done(undefined));
    socket.once("connect", () => socket.write(Buffer.from([0, 0, 0, 8, 4, 210, 22, 47])));
    socket.once("data", (data) =>
      done(data[0] === 0x53 ? true : data[0] === 0x4e ? false : undefined),
    );
  });
}
