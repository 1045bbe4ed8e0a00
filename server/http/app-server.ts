import http from 'node:http';
import type { Socket } from 'node:net';
import type { Express } from 'express';

/**
 * The HTTP server for the app, whose requests and responses are born with the app's Express
 * prototypes (Node's documented `IncomingMessage` / `ServerResponse` options of createServer).
 *
 * Express gives every request and response its own prototype by `Object.setPrototypeOf` at the
 * start of each request. V8 then moves the objects to new hidden classes, and Node's HTTP code —
 * which reads and writes many properties of both on every request — runs off its fast paths for
 * the rest of the request: measured on the resident form, about half of its CPU time. Born with
 * that prototype, the objects keep one hidden class per construction site, and Express's switch
 * finds the prototype already set (no change). Nothing else differs: the prototype chain is the
 * very one Express would set (app.request → express.request → IncomingMessage.prototype).
 */
export function createAppServer(app: Express): http.Server {
  function AppRequest(this: http.IncomingMessage, socket: Socket) {
    http.IncomingMessage.call(this, socket);
  }
  AppRequest.prototype = app.request;
  function AppResponse(this: http.ServerResponse, req: http.IncomingMessage, options?: unknown) {
    (http.ServerResponse as unknown as (this: http.ServerResponse, req: http.IncomingMessage, options?: unknown) => void).call(this, req, options);
  }
  AppResponse.prototype = app.response;
  return http.createServer(
    {
      IncomingMessage: AppRequest as unknown as typeof http.IncomingMessage,
      ServerResponse: AppResponse as unknown as typeof http.ServerResponse,
    },
    app,
  );
}
