import type { Sql, TransactionSql } from "postgres";

type Queryable = Sql | TransactionSql;

/** users.preferences, as the seed's UserPreferences model. */
export interface UserPreferences {
  theme: "light" | "dark" | "system";
  currency: string;
  dateFormat: string;
  dashboardLayout?: string;
}

/** A users row (the seed's User model). */
export interface User {
  id: string;
  email: string;
  createdAt: Date;
  updatedAt: Date;
  lastLogin: Date | null;
  preferences: UserPreferences;
}

/** A user_sessions row, without its hash. */
export interface Session {
  id: string;
  userId: string;
  userAgent: string | null;
  expiresAt: Date;
  createdAt: Date;
}

const USER_COLUMNS = "id, email, created_at, updated_at, last_login, preferences";

/**
 * Logs a user in, in one transaction: creates the user when new, removes expired sessions,
 * records the new session (its token's hash only) and last_login. Cross-user: runs as system.
 */
export async function loginUser(
  sql: Sql,
  input: { email: string; tokenHash: string; userAgent: string; expiresAt: Date },
): Promise<{ user: User; created: boolean; session: Session }> {
  return sql.begin(async (tx) => {
    const inserted = await tx<User[]>`
      INSERT INTO users (email) VALUES (${input.email})
      ON CONFLICT (email) DO NOTHING
      RETURNING ${tx.unsafe(USER_COLUMNS)}`;
    await tx`DELETE FROM user_sessions WHERE expires_at <= NOW()`;
    const [user] = await tx<User[]>`
      UPDATE users SET last_login = NOW() WHERE email = ${input.email}
      RETURNING ${tx.unsafe(USER_COLUMNS)}`;
    if (!user) throw new Error("login: user vanished during its own transaction");
    const [session] = await tx<Session[]>`
      INSERT INTO user_sessions (user_id, token_hash, user_agent, expires_at)
      VALUES (${user.id}, ${input.tokenHash}, ${input.userAgent}, ${input.expiresAt})
      RETURNING id, user_id, user_agent, expires_at, created_at`;
    if (!session) throw new Error("login: session insert returned nothing");
    return { user, created: inserted.length > 0, session };
  }) as Promise<{ user: User; created: boolean; session: Session }>;
}

/** The session with this token hash and its user, expired or not; null when none. */
export async function findSession(
  sql: Queryable,
  tokenHash: string,
): Promise<{ session: Session; user: User } | null> {
  const [row] = await sql<(Session & { user: User })[]>`
    SELECT s.id, s.user_id, s.user_agent, s.expires_at, s.created_at,
           json_build_object(
             'id', u.id, 'email', u.email, 'createdAt', u.created_at,
             'updatedAt', u.updated_at, 'lastLogin', u.last_login,
             'preferences', u.preferences) AS "user"
    FROM user_sessions s JOIN users u ON u.id = s.user_id
    WHERE s.token_hash = ${tokenHash}`;
  if (!row) return null;
  const { user, ...session } = row;
  return {
    session,
    user: {
      ...user,
      createdAt: new Date(user.createdAt),
      updatedAt: new Date(user.updatedAt),
      lastLogin: user.lastLogin ? new Date(user.lastLogin) : null,
    },
  };
}

/** Deletes the session with this token hash; true when there was one. */
export async function deleteSession(sql: Queryable, tokenHash: string): Promise<boolean> {
  const rows = await sql`DELETE FROM user_sessions WHERE token_hash = ${tokenHash} RETURNING id`;
  return rows.length > 0;
}

/** Merges one preference into the user's preferences (user-scoped). */
export async function setPreference(
  tx: TransactionSql,
  userId: string,
  name: keyof UserPreferences,
  value: string,
): Promise<UserPreferences> {
  const [row] = await tx<{ preferences: UserPreferences }[]>`
    UPDATE users
    SET preferences = COALESCE(preferences, '{}'::jsonb) || jsonb_build_object(${name}::text, ${value}::text)
    WHERE id = ${userId} RETURNING preferences`;
  if (!row) throw new Error("setPreference: user not visible in its own scope");
  return row.preferences;
}
