import type { Socket } from 'node:net';
import type * as GrpcJs from '@grpc/grpc-js';

type Credentials = GrpcJs.ChannelCredentials;
type SecureConnector = ReturnType<Credentials['_createSecureConnector']>;

/**
 * The sockets of one gRPC check, so the check can end them. grpc-js's `client.close()` leaves a connection
 * that is still in its HTTP/2 or TLS handshake open (it only closes sessions it got settings on): against a
 * target that accepts TCP and never speaks, every check would keep a socket until the peer gave up. The
 * channel credentials' secure connector is the one place grpc-js hands over each new TCP socket (and the
 * TLS socket made from it), so a wrapper around it records them; `destroy()` ends them all.
 */
export class OwnedSockets {
  private readonly sockets = new Set<Socket>();
  private destroyed = false;

  /** The same credentials, with every socket they connect recorded here. */
  wrap(credentials: Credentials): Credentials {
    const create = credentials._createSecureConnector.bind(credentials);
    credentials._createSecureConnector = (...args): SecureConnector => {
      const connector = create(...args);
      return {
        connect: async (socket) => {
          this.own(socket);
          const result = await connector.connect(socket);
          this.own(result.socket);
          return result;
        },
        waitForReady: () => connector.waitForReady(),
        getCallCredentials: () => connector.getCallCredentials(),
        destroy: () => {
          connector.destroy();
        },
      };
    };
    return credentials;
  }

  /**
   * Resets every socket of the check (and any connected later, should grpc-js still be connecting). A reset,
   * not destroy(): once an HTTP/2 session has taken the socket over, destroy() leaves the descriptor open
   * until the peer answers (seen on Node 20); resetAndDestroy() closes it at once. Only for checks that got
   * no answer: a session that did answer is closed gracefully by client.close().
   */
  destroy(): void {
    this.destroyed = true;
    for (const socket of this.sockets) reset(socket);
    this.sockets.clear();
  }

  private own(socket: Socket): void {
    if (this.destroyed) reset(socket);
    else this.sockets.add(socket);
  }
}

function reset(socket: Socket): void {
  // A TLS socket over a TCP one: resetting the TCP one ends both; a TLS socket has no reset of its own.
  if (typeof socket.resetAndDestroy === 'function' && !socket.destroyed) socket.resetAndDestroy();
  else socket.destroy();
}
