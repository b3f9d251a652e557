/** The protocol features this server offers; everything else stays off. */
export const features = {
  devInteractions: { enabled: false },
  clientCredentials: { enabled: true },
  introspection: { enabled: true },
  revocation: { enabled: true },
} as const;
