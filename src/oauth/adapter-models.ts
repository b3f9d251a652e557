/** Every model oidc-provider may persist through its adapter, with the payload fields looked up by. */
export const adapterModels = {
  Session: ['uid'],
  AccessToken: ['grantId', 'clientId'],
  AuthorizationCode: ['grantId'],
  RefreshToken: ['grantId'],
  DeviceCode: ['grantId', 'userCode'],
  BackchannelAuthenticationRequest: ['grantId'],
  ClientCredentials: ['clientId'],
  Client: [],
  InitialAccessToken: [],
  RegistrationAccessToken: ['grantId'],
  Interaction: [],
  ReplayDetection: [],
  PushedAuthorizationRequest: [],
  Grant: [],
} as const satisfies Record<string, readonly string[]>;

export type AdapterModel = keyof typeof adapterModels;

/** `AccessToken` -> `oidc_access_token`. */
export function collectionName(model: string): string {
  return `oidc_${model.replace(/(?<=[a-z])(?=[A-Z])/g, '_').toLowerCase()}`;
}
