/** Bootstrap tokens, their Secret, detached JWS and CA pins: kubeadm's wire formats, no I/O. */
export * from './jws.js'
export * from './pin.js'
export * from './secret.js'
export * from './token.js'
