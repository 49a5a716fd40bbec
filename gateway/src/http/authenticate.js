"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.authenticate = authenticate;
const common_1 = require("@app/common");
const token_verifier_1 = require("../auth/token-verifier");
/**
 * The global token check: every path but the public ones needs a valid bearer token,
 * and a refused request never reaches a service.
 */
function authenticate(isPublic, options) {
    return async (req, _res, next) => {
        if (req.method === 'OPTIONS' || isPublic(req.path))
            return next();
        const header = req.headers.authorization;
        if (!header)
            throw common_1.AppError.unauthorized('Missing bearer token', 'missing_token');
        const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
        if (!match)
            throw common_1.AppError.unauthorized('Authorization must use the Bearer scheme', 'invalid_token');
        try {
            req.user = await (0, token_verifier_1.verifyAccessToken)(match[1], options);
        }
        catch (err) {
            if (err instanceof token_verifier_1.TokenError)
                throw common_1.AppError.unauthorized(err.message, err.code);
            throw err;
        }
        next();
    };
}
//# sourceMappingURL=authenticate.js.map