/** The environment variable that supplies a user-managed token key instead of the key file. */
export const ENCRYPTION_KEY_ENV = "NETWORTH_ENCRYPTION_KEY";
