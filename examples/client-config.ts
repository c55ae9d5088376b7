// What every example's AWS clients share: eddy's endpoint, and the region and credentials from the
// environment (any credentials do for a loopback eddy).
// The AWS SDK warns on Node < 22 that its releases from January 2027 need Node 22; eddy's examples
// run on every Node eddy supports, so the warning is noise here (set the variable to 'false' to see it).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export function clientConfig(endpoint: string) {
  return {
    endpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: {
      accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'test',
      secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'test',
    },
  };
}
