/**
 * The user's own data (session history, memory): one local SQLite file beside the index, whichever
 * backend holds the index. Here so that the backends name it without importing the factory.
 */
export type { UserData } from './sqlite/userData';
export { openUserData, USER_DATA_FILE, userDataPathFor } from './sqlite/userData';
