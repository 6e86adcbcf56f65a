import { Type, type Static } from 'typebox';
import { maxPasswordLength, maxReviewerKinds } from '../core/access/userRules.js';

/** The shapes of people and roles: users, invitations, sessions, personal tokens (docs/access.md). */

// Listed as literals for the static type; accessSchemas.test.ts checks them against the core's list.
export const Role = Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('editor'), Type.Literal('reviewer'), Type.Literal('analyst')], { title: 'Role' });
const ReviewerKinds = Type.Array(Type.String({ pattern: '^[a-z][a-z0-9-]{0,31}$' }), { maxItems: maxReviewerKinds, description: 'What the user signs off as a reviewer, e.g. brand, legal' });
const Password = Type.String({ minLength: 1, maxLength: maxPasswordLength * 4 });

export const User = Type.Object({
  id: Type.String(),
  email: Type.String(),
  role: Role,
  reviewerKinds: Type.Array(Type.String()),
  status: Type.Union([Type.Literal('invited'), Type.Literal('active')]),
  createdAt: Type.String(),
}, { title: 'User' });
export type UserResponse = Static<typeof User>;

export const InviteBody = Type.Object({
  email: Type.String({ minLength: 3, maxLength: 320 }),
  role: Role,
  reviewerKinds: Type.Optional(ReviewerKinds),
}, { additionalProperties: false });
export type InviteBody = Static<typeof InviteBody>;

export const UserInvited = Type.Object({
  user: User,
  invitation: Type.Object({
    token: Type.String({ description: 'Shown once: hand it to the person, who accepts with POST /admin/v1/invitations/accept' }),
    expiresAt: Type.String(),
  }),
}, { title: 'UserInvited' });

export const UserChangeBody = Type.Object({ role: Type.Optional(Role), reviewerKinds: Type.Optional(ReviewerKinds) }, { additionalProperties: false, minProperties: 1 });
export type UserChangeBody = Static<typeof UserChangeBody>;
export const UserParams = Type.Object({ userId: Type.String({ minLength: 1, maxLength: 100 }) });
export type UserParams = Static<typeof UserParams>;

export const AcceptInvitationBody = Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }), password: Password }, { additionalProperties: false });
export type AcceptInvitationBody = Static<typeof AcceptInvitationBody>;

export const SignInBody = Type.Object({
  workspaceId: Type.String({ minLength: 1, maxLength: 100 }),
  email: Type.String({ minLength: 1, maxLength: 320 }),
  password: Password,
}, { additionalProperties: false });
export type SignInBody = Static<typeof SignInBody>;

export const SignedIn = Type.Object({
  user: User,
  csrfToken: Type.String({ description: 'Send it in the X-Attune-CSRF header with every POST, PUT, PATCH and DELETE made with the session cookie' }),
  expiresAt: Type.String(),
}, { title: 'SignedIn' });

export const PasswordChangeBody = Type.Object({ currentPassword: Password, newPassword: Password }, { additionalProperties: false });
export type PasswordChangeBody = Static<typeof PasswordChangeBody>;

export const Me = Type.Object({
  workspace: Type.Object({ id: Type.String(), name: Type.String() }),
  actor: Type.Object({ kind: Type.Union([Type.Literal('user'), Type.Literal('key')]), id: Type.String(), role: Type.String() }),
  user: Type.Optional(User),
  permissions: Type.Array(Type.String(), { description: 'The permissions of docs/access.md this credential holds' }),
}, { title: 'Me' });

export const PersonalToken = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String(),
  createdAt: Type.String(),
  expiresAt: Type.Union([Type.String(), Type.Null()]),
  token: Type.Optional(Type.String({ description: 'The token itself: shown once, when created' })),
}, { title: 'PersonalToken' });

export const CreateTokenBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  expiresInDays: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 3650 }), Type.Null()], { description: 'Default 90; null: never' })),
}, { additionalProperties: false });
export type CreateTokenBody = Static<typeof CreateTokenBody>;
export const TokenParams = Type.Object({ tokenId: Type.String({ minLength: 1, maxLength: 100 }) });
export type TokenParams = Static<typeof TokenParams>;
