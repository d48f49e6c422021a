// Each failure as a person can act on it: what happened, and what to do next.
export function explain(error, context = {}) {
  const code = error?.code || error?.name || "";
  const text = error?.message || String(error);
  const group = context.groupName || "the API's group";
  if (/ambiguous role mapping rules/i.test(text)) {
    return `You are signed in, but not a member of ${group}, so the identity pool gives you no credentials for the API. Ask an administrator to add you to ${group}, then sign in again.`;
  }
  switch (code) {
    case "NotAuthorizedException":
      if (/Incorrect username or password/i.test(text)) return "Wrong user name or password. Check both and try again.";
      if (/expired|revoked/i.test(text)) return "Your session has ended. Sign in again.";
      return `Cognito refused: ${text}`;
    case "UserNotFoundException":
      return "Wrong user name or password. Check both and try again.";
    case "UserNotConfirmedException":
      return "This account is not confirmed yet: enter the code from the email and press Confirm.";
    case "CodeMismatchException":
      return "That code is not the one we sent. Check the latest email and try again, or press Resend code.";
    case "ExpiredCodeException":
      return "That code has expired. Press Resend code for a new one.";
    case "NetworkError":
      return `Could not reach ${context.service || "AWS"} from this page: check the network, and that the stack (or the local cloud) is running.`;
    case "UsernameExistsException":
      return "That user name is taken. Sign in instead, or choose another.";
    case "InvalidPasswordException":
      return `Cognito does not accept that password: ${text}`;
    case "InvalidParameterException":
      return `Cognito could not use what was entered: ${text}`;
    case "LimitExceededException":
    case "TooManyRequestsException":
      return "Too many attempts. Wait a minute and try again.";
    default:
      break;
  }
  if (error instanceof TypeError && /fetch|network|load failed/i.test(text)) {
    if (context.during === "call") {
      return `This page (origin ${location.origin}) could not read the API's answer. Either the API does not allow this origin (it allows only the stack's AllowedOrigin: open the page from that origin, or deploy with AllowedOrigin=${location.origin}), or the API cannot be reached (check the network, and that the stack or the local cloud is running).`;
    }
    return `Could not reach ${context.service || "AWS"} from this page: check the network, and that the stack (or the local cloud) is running.`;
  }
  return `${code ? `${code}: ` : ""}${text}`;
}

// An API Gateway refusal (403 and friends), said plainly.
export function explainRefusal(status, errorType, body, apiUrl = "the API's URL") {
  const message = body?.message || body?.Message || "";
  const type = (errorType || "").split(":")[0];
  if (type === "MissingAuthenticationTokenException") {
    // The page always signs its call, so this means no such method or path: API Gateway answers it this way.
    return `The API has no GET at ${apiUrl}: check ApiUrl in outputs.json.`;
  }
  if (type === "ExpiredTokenException") return "Your credentials have expired: sign in again.";
  if (type === "AccessDeniedException") return `Your role may not call this API: ${message}`;
  if (type === "InvalidSignatureException") return `The API did not accept the request's signature: ${message}`;
  if (type === "UnrecognizedClientException") return "The API does not know these credentials: sign in again.";
  return `The API answered ${status}${type ? ` (${type})` : ""}${message ? `: ${message}` : ""}`;
}
