# Test handlers for the process runtime (Ruby).
require 'json'

$calls = 0

def hello(event:, context:)
  $calls += 1
  puts "ruby call #{$calls}"
  name = event.dig('pathParameters', 'name')
  { statusCode: 200, headers: { 'content-type' => 'text/plain' },
    body: "Hello from Ruby, #{name}! call #{$calls} left #{context.get_remaining_time_in_millis > 0}" }
end

def fail(event:, context:)
  raise ArgumentError, "asked to fail by #{context.function_name}"
end
