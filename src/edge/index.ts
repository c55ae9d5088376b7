// The edge: HTTP, AWS wire protocols and SigV4. It knows nothing of any service's domain; what it
// shares with the services lives in contract/.

export { createEdge, type Edge, type EdgeOptions } from './server.ts';
