// S3's errors, with the extra members its <Error> bodies carry.
import { ServiceError } from '../../contract/index.ts';

export const noSuchBucket = (bucket: string) =>
  new ServiceError('NoSuchBucket', 'The specified bucket does not exist', {
    status: 404,
    fields: { BucketName: bucket },
  });

export const noSuchKey = (key: string) =>
  new ServiceError('NoSuchKey', 'The specified key does not exist.', { status: 404, fields: { Key: key } });

export const noSuchUpload = (uploadId: string) =>
  new ServiceError(
    'NoSuchUpload',
    'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
    { status: 404, fields: { UploadId: uploadId } },
  );

export const preconditionFailed = (condition: string) =>
  new ServiceError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', {
    status: 412,
    fields: { Condition: condition },
  });

export const invalidArgument = (message: string, name?: string, value?: string) =>
  new ServiceError('InvalidArgument', message, {
    ...(name ? { fields: { ArgumentName: name, ArgumentValue: value } } : {}),
  });

export const invalidRequest = (message: string) => new ServiceError('InvalidRequest', message);

export const malformedXml = () =>
  new ServiceError(
    'MalformedXML',
    'The XML you provided was not well-formed or did not validate against our published schema',
  );
