// model.AppError as the API returns it: {id, message, detailed_error, request_id, status_code}.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly id: string,
    message: string,
    readonly detailed = '',
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function forbidden(userId: string, permission: string): ApiError {
  return new ApiError(403, 'api.context.permissions.app_error', 'You do not have the appropriate permissions.', `userId=${userId}, permission=${permission},`);
}

export function invalidParam(name: string): ApiError {
  return new ApiError(400, 'api.context.invalid_body_param.app_error', `Invalid or missing ${name} in request body.`);
}

export function invalidUrlParam(name: string): ApiError {
  return new ApiError(400, 'api.context.invalid_url_param.app_error', `Invalid or missing ${name} parameter in request URL.`);
}

export function notFound404(): ApiError {
  return new ApiError(404, 'api.context.404.app_error', 'Sorry, we could not find the page.', 'There doesn\'t appear to be an api call for the url=');
}

export function sessionExpired(detailed: string): ApiError {
  return new ApiError(401, 'api.context.session_expired.app_error', 'Invalid or expired session, please login again.', detailed);
}
