"""Schemathesis hooks for test/contract/admin-api.test.ts (loaded through SCHEMATHESIS_HOOKS).

The fuzzer may learn the id of the key whose token it uses (from a list of keys) and delete it,
which would end its token and leave the rest of the run to 401s. A request that would change that
key (PUT, PATCH, DELETE, rotate-secret) goes to a stand-in key of the same owner instead, so the
operation is still exercised on a real key.
"""

import os

import schemathesis

CALLER_KEY_ID = os.environ["APPKEYS_CALLER_KEY_ID"]
STAND_IN_KEY_ID = os.environ["APPKEYS_STAND_IN_KEY_ID"]


@schemathesis.hook
def before_call(context, case, kwargs):
    parameters = case.path_parameters
    if parameters and parameters.get("keyId") == CALLER_KEY_ID and case.method.upper() != "GET":
        parameters["keyId"] = STAND_IN_KEY_ID
