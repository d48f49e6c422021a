// The stack's settings, from outputs.json beside the page: the local cloud's .local/outputs.json (an object),
// or a deployed stack's Outputs as `aws cloudformation describe-stacks --query 'Stacks[0].Outputs'` prints
// them (a list of {OutputKey, OutputValue}).
export const REQUIRED = ["Region", "UserPoolId", "UserPoolClientId", "IdentityPoolId", "ApiUrl"];

export function parseOutputs(value) {
  let outputs = value;
  if (Array.isArray(value)) {
    outputs = Object.fromEntries(value.map((o) => [o.OutputKey, o.OutputValue]));
  } else if (value && Array.isArray(value.Stacks)) {
    outputs = Object.fromEntries((value.Stacks[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
  }
  if (!outputs || typeof outputs !== "object") {
    throw new Error("outputs.json is not an object of stack outputs nor a list of {OutputKey, OutputValue}");
  }
  const missing = REQUIRED.filter((key) => typeof outputs[key] !== "string" || !outputs[key]);
  if (missing.length) {
    throw new Error(`outputs.json lacks ${missing.join(", ")}: it must hold the groupgate stack's Outputs`);
  }
  return {
    region: outputs.Region,
    userPoolId: outputs.UserPoolId,
    clientId: outputs.UserPoolClientId,
    identityPoolId: outputs.IdentityPoolId,
    apiUrl: outputs.ApiUrl,
    groupName: outputs.GroupName || "the API's group",
    // The local cloud's one endpoint for Cognito; absent for a real stack, where each service has its own.
    endpoint: outputs.Endpoint || undefined,
  };
}

export async function loadOutputs(url = "outputs.json") {
  let answer;
  try {
    answer = await fetch(url, { cache: "no-store" });
  } catch (error) {
    throw new Error(`could not fetch ${url} beside the page: ${error.message}`);
  }
  if (!answer.ok) {
    throw new Error(
      `${url} is missing beside the page (HTTP ${answer.status}): put the stack's Outputs there (see the README)`,
    );
  }
  let value;
  try {
    value = await answer.json();
  } catch {
    throw new Error(`${url} is not JSON`);
  }
  return parseOutputs(value);
}
