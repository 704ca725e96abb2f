# Squall's runtime interface loop for Ruby handlers (`file.method` or
# `file.Module::Class.method`).
#
# Speaks the Lambda Runtime API at $AWS_LAMBDA_RUNTIME_API, one invocation at a time, like
# AWS's aws_lambda_ric. Handlers are called as AWS calls them: `handler(event:, context:)`.
require 'json'
require 'net/http'

API = ENV.fetch('AWS_LAMBDA_RUNTIME_API')
PREFIX = '/2018-06-01/runtime'

# What AWS's Ruby runtime hands handlers as `context`.
class LambdaContext
  attr_reader :aws_request_id, :invoked_function_arn, :function_name, :function_version,
              :memory_limit_in_mb, :log_group_name, :log_stream_name, :identity, :client_context

  def initialize(headers)
    @aws_request_id = headers['lambda-runtime-aws-request-id']
    @invoked_function_arn = headers['lambda-runtime-invoked-function-arn']
    @deadline_ms = headers['lambda-runtime-deadline-ms'].to_i
    @function_name = ENV['AWS_LAMBDA_FUNCTION_NAME']
    @function_version = ENV.fetch('AWS_LAMBDA_FUNCTION_VERSION', '$LATEST')
    @memory_limit_in_mb = ENV['AWS_LAMBDA_FUNCTION_MEMORY_SIZE']
    @log_group_name = ENV['AWS_LAMBDA_LOG_GROUP_NAME']
    @log_stream_name = ENV['AWS_LAMBDA_LOG_STREAM_NAME']
  end

  def get_remaining_time_in_millis
    [@deadline_ms - (Time.now.to_f * 1000).to_i, 0].max
  end
end

def error_body(error)
  JSON.generate(errorMessage: error.message, errorType: error.class.name, stackTrace: error.backtrace || [])
end

def post(http, path, body, headers = {})
  http.post(PREFIX + path, body, headers)
end

# The object and method a handler string names.
def load_handler(handler)
  file, _, rest = handler.partition('.')
  raise ArgumentError, "Bad handler '#{handler}': expected file.method" if rest.empty?

  require File.join(ENV.fetch('LAMBDA_TASK_ROOT', Dir.pwd), file)
  target, _, method = rest.rpartition('.')
  owner = target.empty? ? Object.new : Object.const_get(target)
  [owner, method.to_sym]
end

host, port = API.split(':')
http = Net::HTTP.new(host, port.to_i)
http.read_timeout = nil
http.start
$stdout.sync = true
begin
  owner, method = load_handler(ARGV.fetch(0))
  raise NameError, "no method #{method} in handler #{ARGV[0]}" unless owner.respond_to?(method, true)
rescue StandardError, ScriptError => e
  kind = e.is_a?(LoadError) ? 'Runtime.ImportModuleError' : 'Runtime.HandlerNotFound'
  post(http, '/init/error', error_body(e), 'Lambda-Runtime-Function-Error-Type' => kind)
  exit 1
end
loop do
  resp = http.get(PREFIX + '/invocation/next')
  headers = resp.each_header.to_h
  request_id = headers['lambda-runtime-aws-request-id']
  ENV['_X_AMZN_TRACE_ID'] = headers['lambda-runtime-trace-id'] if headers['lambda-runtime-trace-id']
  begin
    event = resp.body.nil? || resp.body.empty? ? nil : JSON.parse(resp.body)
    result = owner.send(method, event: event, context: LambdaContext.new(headers))
    post(http, "/invocation/#{request_id}/response", JSON.generate(result))
  rescue StandardError => e
    post(http, "/invocation/#{request_id}/error", error_body(e), 'Lambda-Runtime-Function-Error-Type' => 'Unhandled')
  end
end
