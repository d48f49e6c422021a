// groupgate in a browser: SRP sign-in (amazon-cognito-identity-js), identity-pool credentials
// (@aws-sdk/credential-providers' fromCognitoIdentityPool) and a SigV4-signed fetch (aws4fetch).
import { fromCognitoIdentityPool } from "@aws-sdk/credential-providers";
import {
  AuthenticationDetails,
  CognitoUser,
  CognitoUserAttribute,
  CognitoUserPool,
} from "amazon-cognito-identity-js";
import { AwsClient } from "aws4fetch";

import { loadOutputs } from "./config.js";
import { explain, explainRefusal } from "./errors.js";

const $ = (id) => document.getElementById(id);
const state = { config: null, pool: null, user: null, credentials: null, claims: null, challenge: null };

function show({ message = "", error = "" } = {}) {
  $("message").textContent = message;
  $("error").textContent = error;
}

function busy(flag) {
  for (const button of document.querySelectorAll("button")) button.dataset.busy = flag ? "1" : "";
  document.body.setAttribute("aria-busy", flag ? "true" : "false");
}

function claimsOf(jwt) {
  const payload = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(atob(payload + "=".repeat((4 - (payload.length % 4)) % 4)));
}

function field(id) {
  return $(id).value.trim();
}

function cognitoUser(username) {
  return new CognitoUser({ Username: username, Pool: state.pool });
}

function renderWho() {
  const who = $("who");
  who.replaceChildren();
  const rows = state.credentials
    ? [
        ["signed in", state.claims["cognito:username"]],
        ["identity id", state.credentials.identityId],
        ["role", state.claims["cognito:preferred_role"] || "-"],
        ["groups", (state.claims["cognito:groups"] || []).join(", ") || "none"],
        ["credentials until", state.credentials.expiration?.toISOString() || "-"],
      ]
    : [["signed in", "no"]];
  for (const [name, value] of rows) {
    const dt = document.createElement("dt");
    dt.textContent = name;
    const dd = document.createElement("dd");
    dd.textContent = value;
    dd.id = `who-${name.replace(/\s+/g, "-")}`;
    who.append(dt, dd);
  }
  $("call").disabled = !state.credentials;
  $("signout").disabled = !state.user;
}

async function credentialsFor(idToken) {
  const { region, userPoolId, identityPoolId, endpoint } = state.config;
  const provider = fromCognitoIdentityPool({
    identityPoolId,
    logins: { [`cognito-idp.${region}.amazonaws.com/${userPoolId}`]: idToken },
    clientConfig: endpoint ? { region, endpoint } : { region },
  });
  return provider();
}

async function signedIn(user, session) {
  const idToken = session.getIdToken().getJwtToken();
  state.user = user;
  state.claims = claimsOf(idToken);
  state.challenge = null;
  $("new-password-row").hidden = true;
  try {
    state.credentials = await credentialsFor(idToken);
  } catch (error) {
    state.credentials = null;
    renderWho();
    $("who-signed-in").textContent = `${state.claims["cognito:username"]} (no API credentials)`;
    show({ error: explain(error, { groupName: state.config.groupName, service: "the identity pool" }) });
    return;
  }
  renderWho();
  show({ message: `Signed in as ${state.claims["cognito:username"]}.` });
}

function signIn() {
  const username = field("username");
  const password = $("password").value;
  if (!username || !password) return show({ error: "Enter your user name and password to sign in." });
  const answering = state.challenge && state.challenge.getUsername() === username && $("new-password").value;
  const user = answering ? state.challenge : cognitoUser(username);
  busy(true);
  return new Promise((resolve) => {
    const callbacks = {
      onSuccess: (session) => signedIn(user, session).finally(() => resolve(busy(false))),
      onFailure: (error) => {
        show({ error: explain(error, { service: "the user pool" }) });
        resolve(busy(false));
      },
      newPasswordRequired: () => {
        state.challenge = user;
        $("new-password-row").hidden = false;
        $("new-password").focus();
        show({ message: "Cognito requires a new password for this account: enter one and press Sign in again." });
        resolve(busy(false));
      },
    };
    if (answering) {
      user.completeNewPasswordChallenge($("new-password").value, {}, callbacks);
      return;
    }
    user.authenticateUser(new AuthenticationDetails({ Username: username, Password: password }), callbacks);
  });
}

function signUp() {
  const username = field("username");
  const password = $("password").value;
  const email = field("email");
  if (!username || !password || !email) return show({ error: "Enter a user name, a password and an email to sign up." });
  const attributes = [new CognitoUserAttribute({ Name: "email", Value: email })];
  return new Promise((resolve) => {
    state.pool.signUp(username, password, attributes, null, (error, result) => {
      if (error) show({ error: explain(error, { service: "the user pool" }) });
      else
        show({
          message: `Signed up. A code went to ${result.codeDeliveryDetails?.Destination || email}: enter it and press Confirm.`,
        });
      resolve();
    });
  });
}

function confirm() {
  const username = field("username");
  const code = field("code");
  if (!username || !code) return show({ error: "Enter your user name and the code from the email." });
  return new Promise((resolve) => {
    cognitoUser(username).confirmRegistration(code, true, (error) => {
      if (error) show({ error: explain(error, { service: "the user pool" }) });
      else show({ message: "Confirmed. You can sign in now." });
      resolve();
    });
  });
}

async function call() {
  if (!state.credentials) return show({ error: "Sign in first: the API takes only signed requests." });
  const { accessKeyId, secretAccessKey, sessionToken } = state.credentials;
  const aws = new AwsClient({ accessKeyId, secretAccessKey, sessionToken, service: "execute-api", region: state.config.region });
  $("status").className = "";
  $("status").textContent = "...";
  $("body").textContent = "";
  let answer;
  try {
    answer = await aws.fetch(state.config.apiUrl, { method: "GET" });
  } catch (error) {
    $("status").textContent = "no answer this page may read";
    $("status").className = "refused";
    return show({ error: explain(error, { during: "call" }) });
  }
  const text = await answer.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  $("status").textContent = String(answer.status);
  $("status").className = answer.ok ? "ok" : "refused";
  $("body").textContent = typeof body === "string" ? body : JSON.stringify(body);
  if (answer.ok) show({ message: "The API answered." });
  else show({ error: explainRefusal(answer.status, answer.headers.get("x-amzn-ErrorType"), body) });
}

function signOut() {
  const user = state.user;
  return new Promise((resolve) => {
    const done = (error) => {
      Object.assign(state, { user: null, credentials: null, claims: null });
      renderWho();
      $("status").textContent = "-";
      $("body").textContent = "-";
      show(error ? { error: `Signed out on this page, but revoking the session failed: ${error.message}` } : { message: "Signed out." });
      resolve();
    };
    if (!user) return done();
    user.signOut(done); // revokes the refresh token (RevokeToken), then forgets the tokens
  });
}

async function run(action) {
  if (document.body.getAttribute("aria-busy") === "true") return;
  show();
  try {
    await action();
  } catch (error) {
    show({ error: explain(error) });
  } finally {
    busy(false);
  }
}

async function start() {
  try {
    state.config = await loadOutputs();
  } catch (error) {
    $("stack").textContent = "";
    show({ error: error.message });
    for (const button of document.querySelectorAll("button")) button.disabled = true;
    return;
  }
  const { region, userPoolId, clientId, endpoint, apiUrl } = state.config;
  state.pool = new CognitoUserPool({ UserPoolId: userPoolId, ClientId: clientId, endpoint });
  $("stack").textContent = `API ${apiUrl} · user pool ${userPoolId} (${region})${endpoint ? ` · local cloud ${endpoint}` : ""}`;
  $("signin").addEventListener("click", () => run(signIn));
  $("signup").addEventListener("click", () => run(signUp));
  $("confirm").addEventListener("click", () => run(confirm));
  $("call").addEventListener("click", () => run(call));
  $("signout").addEventListener("click", () => run(signOut));
  $("form").addEventListener("submit", (event) => {
    event.preventDefault();
    run(signIn);
  });
  const current = state.pool.getCurrentUser();
  if (current) {
    current.getSession((error, session) => {
      if (!error && session?.isValid()) run(() => signedIn(current, session));
    });
  }
  renderWho();
  document.body.dataset.ready = "true";
}

start();
