/**
 * Credentials stopped being valid: a user's password or role changed or the user was deleted (every
 * earlier login of theirs), or an API token was revoked. The realtime gateway cuts their live sockets.
 */
export type CredentialsRevoked = { userId: string } | { tokenId: string };

export interface AuthEvents {
  'credentials.revoked': CredentialsRevoked;
}
