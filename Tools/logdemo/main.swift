print("logdemo")
