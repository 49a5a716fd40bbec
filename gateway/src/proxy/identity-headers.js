"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.stripClientIdentity = stripClientIdentity;
exports.identityHeadersFor = identityHeadersFor;
const common_1 = require("@app/common");
/** Headers a client must never be able to set: identity and its proof are the gateway's alone. */
const RESERVED = /^(x-user-|x-identity-|x-client-ip$|x-forwarded-user)/i;
/** Removes every identity header the client sent; returns the names it removed, for logging. */
function stripClientIdentity(headers) {
    const removed = [];
    for (const name of Object.keys(headers)) {
        if (RESERVED.test(name)) {
            delete headers[name];
            removed.push(name);
        }
    }
    return removed;
}
/** The verified identity (or the anonymous caller of a public route) with the gateway's proof. */
function identityHeadersFor(req, secret) {
    return (0, common_1.signIdentity)(secret, {
        method: req.method,
        path: req.originalUrl,
        userId: req.user?.sub ?? '',
        userName: req.user?.username ?? '',
        requestId: req.id,
        clientIp: req.ip ?? req.socket.remoteAddress ?? '',
    });
}
//# sourceMappingURL=identity-headers.js.map