/**
 * A server interceptor that lets a unary answer leave in one write: its message and its status.
 *
 * grpc-js sends a unary call's status (the HTTP/2 trailers that end the call for the client) only
 * from the callback of the message's write, which Node's HTTP/2 runs after the frame has gone out:
 * an event-loop turn later, two writes to the socket and two wake-ups of the client per call. Here
 * the message's write is acknowledged at once, so grpc-js ends the stream right behind the
 * message and HTTP/2 sends both together. Nothing is lost: HTTP/2 keeps the stream's order (the
 * trailers can only follow the message), and a write that fails has failed the stream, which the
 * client sees the same either way. An answer grpc-js cannot send at all (over the size limit, or
 * failing to serialize) ends the call there with its own status, and grpc-js drops the OK that
 * follows (the spec makes both happen). Streams (watch) are left alone: their writes' callbacks
 * are their back-pressure.
 */
import { ServerInterceptingCall, type ServerInterceptingCallInterface, type ServerInterceptor } from '@grpc/grpc-js';

class UnaryInOneWrite extends ServerInterceptingCall {
  override sendMessage(message: unknown, callback: () => void): void {
    super.sendMessage(message, () => {});
    callback();
  }
}

export const unaryInOneWrite: ServerInterceptor = (method, call: ServerInterceptingCallInterface) =>
  method.requestStream || method.responseStream ? new ServerInterceptingCall(call) : new UnaryInOneWrite(call);
