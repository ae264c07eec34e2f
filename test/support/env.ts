/** The admin URL of a PostgreSQL server for the server suite (any database on it). */
export const SERVER_URL_ENV = "NETWORTH_TEST_DATABASE_URL";
