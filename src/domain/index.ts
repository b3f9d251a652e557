import { createApplicationKeys } from './application-keys.ts';
import { createAuditLog } from './audit.ts';
import type { DomainDeps } from './context.ts';
import { createOrganizations } from './organizations.ts';
import { createResourceServers } from './resource-servers.ts';
import { createUsers } from './users.ts';
import { createMemberships } from './memberships.ts';

/** Every domain service, built from the same dependencies (used by the API and the CLI alike). */
export function createDomain(deps: DomainDeps) {
  return {
    organizations: createOrganizations(deps),
    applicationKeys: createApplicationKeys(deps),
    resourceServers: createResourceServers(deps),
    auditLog: createAuditLog(deps),
    users: createUsers(deps),
    memberships: createMemberships(deps),
  };
}

export type Domain = ReturnType<typeof createDomain>;
