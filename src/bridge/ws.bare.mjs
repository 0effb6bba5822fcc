// Bare-only entry for `#ws` (see package.json "imports"): ws is a Node package, so under Bare its
// builtin imports (events, http, net, crypto, ...) are resolved through bare-node-runtime's map.
// Node never loads this file (it resolves `#ws` to `ws` directly) and would reject the attribute.
import { WebSocketServer as NodeWebSocketServer, WebSocket } from 'ws' with { imports: 'bare-node-runtime/imports' }

// On close, ws drains what the socket still buffers (`_readableState.length !== 0`, then `read()`)
// into its receiver. Bare's streams have no numeric `length` there, so ws reads null and writes it
// into the receiver, which throws and aborts the process on every client disconnect. Empty writes
// carry no data, so the receiver simply ignores them.
function ignoreEmptyWrites(ws) {
  const receiver = ws && ws._receiver
  if (!receiver || typeof receiver.write !== 'function' || receiver.__intercomPatched) return
  const write = receiver.write
  receiver.write = function (chunk, ...rest) {
    if (chunk === null || chunk === undefined) return true
    return write.call(this, chunk, ...rest)
  }
  receiver.__intercomPatched = true
}

export class WebSocketServer extends NodeWebSocketServer {
  constructor(options, callback) {
    super(options, callback)
    this.prependListener('connection', (ws) => ignoreEmptyWrites(ws))
  }
}

export { WebSocket }
export default WebSocket
