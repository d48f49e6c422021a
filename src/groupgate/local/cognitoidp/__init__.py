"""Cognito user pools (``cognito-idp``) in the local cloud: moto keeps the pools, clients, groups, users and
tokens; this package is what the local cloud adds in front of it, and why, one rule a module:

* ``provider``   the operations answered here, behind one door (``UserPools.call``): a lock, a snapshot
                 before each write (``journal``), every access token checked, moto for the rest;
* ``sessions``   challenge sessions bound to their user, app client and challenge, expiring, used once
                 (moto trusts whatever USERNAME and ChallengeName come with a session);
* ``tokens``     tokens bound to their user's ``sub``, ended by deletion, disabling, sign-outs and
                 revocation, in the user pool and at the identity pool;
* ``attempts``   Cognito's password lockout and the limit on wrong codes;
* ``codes``      confirmation and reset codes, mailed to the local mailbox and checked (moto takes any);
* ``attributes`` what a caller may write into a user's attributes, checked against the schema;
* ``srp``        the server side of SRP, so a wrong password is refused (moto accepts any);
* ``triggers``   the post-confirmation trigger, called as Cognito calls it.

Requests reach ``UserPools.call`` already checked against botocore's model of the operation (``shapes``).
"""
