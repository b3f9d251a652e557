/** The protocol features this server offers (introspection is added with its policy); everything else stays off. */
export const features = {
  devInteractions: { enabled: false },
  clientCredentials: { enabled: true },
  revocation: { enabled: true },
} as const;
