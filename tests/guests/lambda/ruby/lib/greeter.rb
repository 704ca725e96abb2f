module Shop
  # A handler that is a class method, as `file.Module::Class.method` names it.
  class Greeter
    def self.greet(event:, context:)
      { greeting: "hi #{event['who']}", request_id: context.aws_request_id }
    end
  end
end
