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
  document.body.setAttribute("aria-busy", flag ? "true" : "false");
  for (const button of document.querySelectorAll("button")) button.disabled = flag;
  if (!flag) renderWho(); // puts back which buttons may be used now
}

function field(id) {
  return $(id).value.trim();
}

function cognitoUser(username) {
  return new CognitoUser({ Username: username, Pool: state.pool });
}

// Fill the <dl> `list` with [name, value] rows; each <dd> gets the id `${prefix}${name}` (spaces as dashes).
function fill(list, rows, prefix) {
  list.replaceChildren();
  for (const [name, value] of rows) {
    const dt = document.createElement("dt");
    dt.textContent = name;
    const dd = document.createElement("dd");
    dd.textContent = value ?? "-";
    dd.id = `${prefix}${name.replace(/\s+/g, "-")}`;
    list.append(dt, dd);
  }
}

function renderWho() {
  const groups = () => ["groups", (state.claims["cognito:groups"] || []).join(", ") || "none"];
  let rows = [["signed in", "no"]];
  if (state.credentials) {
    rows = [
      ["signed in", state.claims["cognito:username"]],
      ["identity id", state.credentials.identityId],
      ["role", state.claims["cognito:preferred_role"] || "-"],
      groups(),
      ["credentials until", state.credentials.expiration?.toISOString() || "-"],
    ];
  } else if (state.user && state.claims) {
    rows = [["signed in", `${state.claims["cognito:username"]} (no API credentials)`], groups()];
  }
  fill($("who"), rows, "who-");
  for (const id of ["signin", "signup", "confirm", "resend"]) $(id).disabled = false;
  $("call").disabled = !state.credentials;
  $("me").disabled = !state.credentials;
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

function forgetChallenge() {
  state.challenge = null;
  $("new-password").value = "";
  $("new-password-row").hidden = true;
}

async function signedIn(user, session) {
  const idToken = session.getIdToken().getJwtToken();
  state.user = user;
  state.claims = session.getIdToken().payload;
  forgetChallenge();
  for (const id of ["password", "email", "code"]) $(id).value = ""; // nothing of the previous user stays
  forgetMe();
  try {
    state.credentials = await credentialsFor(idToken);
  } catch (error) {
    state.credentials = null;
    renderWho();
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
  if (state.user && state.user.getUsername() !== username) {
    state.user.signOut(); // one user's tokens at a time in this browser (forgets them; does not revoke)
    Object.assign(state, { user: null, credentials: null, claims: null });
  }
  const answering = state.challenge && state.challenge.getUsername() === username && $("new-password").value;
  const user = answering ? state.challenge : cognitoUser(username);
  return new Promise((resolve) => {
    const callbacks = {
      onSuccess: (session) => signedIn(user, session).finally(resolve),
      onFailure: (error) => {
        forgetChallenge(); // a failed or expired challenge session cannot be answered again
        show({ error: explain(error, { service: "the user pool" }) });
        resolve();
      },
      newPasswordRequired: () => {
        state.challenge = user;
        $("new-password-row").hidden = false;
        $("new-password").focus();
        show({ message: "Cognito requires a new password for this account: enter one and press Sign in again." });
        resolve();
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

function resend() {
  const username = field("username");
  if (!username) return show({ error: "Enter your user name to get a new code." });
  return new Promise((resolve) => {
    cognitoUser(username).resendConfirmationCode((error, result) => {
      if (error) show({ error: explain(error, { service: "the user pool" }) });
      else show({ message: `A new code went to ${result?.CodeDeliveryDetails?.Destination || "your email"}.` });
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

// Why this page cannot sign a call now, or "" when it can.
function cannotSign() {
  if (!state.credentials) return "Sign in first: the API takes only signed requests.";
  if (!window.isSecureContext) {
    return `This page is served over plain HTTP from ${location.origin}, where browsers give it no Web Crypto to sign with. Serve it over HTTPS (or from localhost).`;
  }
  return "";
}

// A SigV4-signed GET of `path` under the API's URL: the answer and its body (parsed where it is JSON).
// Throws what fetch throws when the browser gives the page no answer to read.
async function signedGet(path) {
  const { accessKeyId, secretAccessKey, sessionToken } = state.credentials;
  const aws = new AwsClient({ accessKeyId, secretAccessKey, sessionToken, service: "execute-api", region: state.config.region });
  const answer = await aws.fetch(new URL(path, state.config.apiUrl).toString(), { method: "GET" });
  const text = await answer.text();
  try {
    return { answer, body: JSON.parse(text) };
  } catch {
    return { answer, body: text };
  }
}

function refusal(answer, body) {
  return explainRefusal(answer.status, answer.headers.get("x-amzn-ErrorType"), body, state.config.apiUrl);
}

async function call() {
  const why = cannotSign();
  if (why) return show({ error: why });
  $("status").className = "";
  $("status").textContent = "...";
  $("body").textContent = "";
  let answer, body;
  try {
    ({ answer, body } = await signedGet(""));
  } catch (error) {
    $("status").textContent = "no answer this page may read";
    $("status").className = "refused";
    return show({ error: explain(error, { during: "call" }) });
  }
  $("status").textContent = String(answer.status);
  $("status").className = answer.ok ? "ok" : "refused";
  $("body").textContent = typeof body === "string" ? body : JSON.stringify(body);
  if (answer.ok) show({ message: "The API answered." });
  else show({ error: refusal(answer, body) });
}

function forgetMe() {
  fill($("me-answer"), [["asked", "not yet"]], "me-");
  $("me-verdict").textContent = "";
  $("me-verdict").className = "";
}

// What the API says about the caller beside what this browser knows; any difference is named.
function disagreements(said) {
  const found = [];
  const role = (state.claims["cognito:preferred_role"] || "").split("/").pop();
  if (said.identityId !== state.credentials.identityId) found.push(`identity id ${said.identityId} (the page has ${state.credentials.identityId})`);
  if (said.sub !== state.claims.sub) found.push(`sub ${said.sub} (the ID token has ${state.claims.sub})`);
  if (said.userPoolId !== state.config.userPoolId) found.push(`user pool ${said.userPoolId} (the page uses ${state.config.userPoolId})`);
  if (!role || !String(said.userArn || "").includes(`:assumed-role/${role}/`)) found.push(`role ${said.userArn} (the ID token prefers ${role || "none"})`);
  return found;
}

async function askMe() {
  const why = cannotSign();
  if (why) return show({ error: why });
  forgetMe();
  let answer, said;
  try {
    ({ answer, body: said } = await signedGet("me"));
  } catch (error) {
    return show({ error: explain(error, { during: "call" }) });
  }
  if (!answer.ok) return show({ error: refusal(answer, said) });
  fill($("me-answer"), Object.entries(said), "me-");
  const differ = disagreements(said);
  $("me-verdict").textContent = differ.length ? `The API and this page disagree: ${differ.join("; ")}.` : "The API and this page agree on who you are.";
  $("me-verdict").className = differ.length ? "refused" : "ok";
  show({ message: "The API said who you are." });
}

function signOut() {
  const user = state.user;
  return new Promise((resolve) => {
    const done = (error) => {
      if (error && user) user.signOut(); // revoking failed: still forget the tokens this browser holds
      forgetChallenge();
      $("password").value = "";
      Object.assign(state, { user: null, credentials: null, claims: null });
      renderWho();
      $("status").textContent = "-";
      $("status").className = ""; // not the last answer's colour
      $("body").textContent = "-";
      for (const id of ["email", "code"]) $(id).value = "";
      forgetMe();
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
  busy(true);
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
  $("signup").addEventListener("click", () => run(signUp));
  $("confirm").addEventListener("click", () => run(confirm));
  $("resend").addEventListener("click", () => run(resend));
  $("call").addEventListener("click", () => run(call));
  $("me").addEventListener("click", () => run(askMe));
  $("signout").addEventListener("click", () => run(signOut));
  $("form").addEventListener("submit", (event) => {
    event.preventDefault();
    run(signIn);
  });
  renderWho();
  const current = state.pool.getCurrentUser();
  if (current) {
    // A session this browser kept: use it if it is still good (the library refreshes it), else forget it.
    await run(
      () =>
        new Promise((resolve) => {
          current.getSession((error, session) => {
            if (!error && session?.isValid()) return signedIn(current, session).finally(resolve);
            current.signOut();
            if (error) show({ error: "Your last session has ended: sign in again." });
            return resolve();
          });
        }),
    );
  }
  document.body.dataset.ready = "true";
}

start();
